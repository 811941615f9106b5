import { startSource, str } from '../payload.js';
import type { AgentAdapter, HookKind } from '../types.js';

/**
 * Codex CLI (0.169.0; test/helpers/agents/AGENTS-HARNESS.md). Hooks in `.codex/hooks.json`
 * (Claude's shape, timeouts in seconds, SessionEnd clamped to 3 s), run only once the project and
 * each hook are trusted (setup.ts). The context is a `developer` message
 * (`hookSpecificOutput.additionalContext`); SessionStart fires again after compaction (source
 * `compact`) and on resume. Its shell (`bash -lc`, PATH re-derived) carries CODEX_THREAD_ID, and
 * so do the git hooks its `git commit` runs. Hooks get no project variable and no session id in
 * their env: they run in the session's folder, the id is in the payload only.
 */
const EVENTS: Record<string, HookKind> = {
  SessionStart: 'start',
  UserPromptSubmit: 'heartbeat',
  Stop: 'heartbeat',
  PreCompact: 'precompact',
  SessionEnd: 'end',
};

export const codex: AgentAdapter = {
  name: 'codex',
  aliases: [],
  label: 'Codex',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.PWD) ?? fallbackCwd;
    return {
      agent: 'codex',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      sessionId: str(payload.session_id),
      transcriptPath: str(payload.transcript_path),
      cwd,
      projectDir: cwd,
      source: startSource(payload.source) ?? (event === 'SessionStart' ? 'startup' : undefined),
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: undefined,
    };
  },
  contextOutput: (event, context) => (event === 'SessionStart' ? JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } }) : undefined),
  // A login shell re-derives PATH, so the context names the shim by its path.
  shell: { sessionVars: ['CODEX_THREAD_ID'], markers: ['CODEX_CI'], rewrite: false, sortieOnPath: false },
  gitHooksRun: true,
  compaction: 'start',
  projectVar: '$PWD',
  pidVars: [],
  // SessionEnd is clamped to 3 s by Codex.
  deadlineMs: { start: 8000, end: 2000, precompact: 8000, heartbeat: 3000, pretool: 3000, posttool: 3000 },
  setup: async () => (await import('./setup.js')).codexSetup,
};
