import { startSource, str } from '../payload.js';
import type { AgentAdapter, HookKind } from '../types.js';

/**
 * Claude Code (test/helpers/CLAUDE-HARNESS.md). Hooks in `.claude/settings.json`; the context
 * goes back as `hookSpecificOutput.additionalContext`; SessionStart fires again after compaction
 * (source `compact`); the shell sources CLAUDE_ENV_FILE, where sortie exports the mission and puts
 * its shim on PATH; the agent's `git commit` runs the git hooks.
 */
const EVENTS: Record<string, HookKind> = {
  SessionStart: 'start',
  SessionEnd: 'end',
  PreCompact: 'precompact',
  UserPromptSubmit: 'heartbeat',
  Stop: 'heartbeat',
};

export const claudeCode: AgentAdapter = {
  name: 'claude-code',
  aliases: ['claude'],
  label: 'Claude Code',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.CLAUDE_PROJECT_DIR) ?? fallbackCwd;
    return {
      agent: 'claude-code',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      // The hook's env carries the session id too: it rescues a payload we could not parse.
      sessionId: str(payload.session_id) ?? str(env.CLAUDE_CODE_SESSION_ID),
      transcriptPath: str(payload.transcript_path),
      cwd,
      projectDir: str(env.CLAUDE_PROJECT_DIR) ?? cwd,
      source: startSource(payload.source) ?? (event === 'SessionStart' ? 'startup' : undefined),
      // SessionEnd says `reason`; PreCompact says `trigger` (manual/auto), kept in the checkpoint.
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: undefined,
    };
  },
  contextOutput: (event, context) => (event === 'SessionStart' ? JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } }) : undefined),
  shell: { sessionVars: ['CLAUDE_CODE_SESSION_ID'], markers: ['CLAUDECODE'], envFile: (env) => str(env.CLAUDE_ENV_FILE), rewrite: false, sortieOnPath: true },
  gitHooksRun: true,
  compaction: 'start',
  projectVar: '$CLAUDE_PROJECT_DIR',
  pidVars: ['CLAUDE_PID'],
  // SessionEnd hooks share 1.5 s by default; the others have seconds to spare.
  deadlineMs: { start: 8000, end: 1200, precompact: 8000, heartbeat: 3000, pretool: 3000, posttool: 3000 },
  setup: async () => (await import('./setup.js')).claudeCodeSetup,
};
