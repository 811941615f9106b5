import type { AgentAdapter, AgentEvent, HookKind, StartSource } from './types.js';

const KINDS: Record<string, HookKind> = {
  SessionStart: 'start',
  SessionEnd: 'end',
  PreCompact: 'precompact',
  UserPromptSubmit: 'heartbeat',
  Stop: 'heartbeat',
};

const SOURCES = new Set<StartSource>(['startup', 'resume', 'clear', 'compact', 'fork']);

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

export const claudeCode: AgentAdapter = {
  name: 'claude-code',
  kindOf: (event) => KINDS[event],
  toEvent(event, payload, env, fallbackCwd): AgentEvent {
    const source = str(payload.source);
    return {
      agent: 'claude-code',
      kind: KINDS[event] ?? 'heartbeat',
      // The hook's env carries the session id too: it rescues a payload we could not parse.
      sessionId: str(payload.session_id) ?? str(env.CLAUDE_CODE_SESSION_ID),
      transcriptPath: str(payload.transcript_path),
      cwd: str(payload.cwd) ?? str(env.CLAUDE_PROJECT_DIR) ?? fallbackCwd,
      source: source && SOURCES.has(source as StartSource) ? (source as StartSource) : event === 'SessionStart' ? 'startup' : undefined,
      // SessionEnd says `reason`; PreCompact says `trigger` (manual/auto), kept in the checkpoint.
      reason: str(payload.reason) ?? str(payload.trigger),
    };
  },
  startOutput: (context) => JSON.stringify({ hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } }),
  envFile: (env) => str(env.CLAUDE_ENV_FILE),
  // SessionEnd hooks share 1.5 s by default; the others have seconds to spare.
  deadlineMs: { start: 8000, end: 1200, precompact: 8000, heartbeat: 3000 },
};

/** The events sortie wires into Claude Code, with the matcher and timeout (seconds) for settings.json. */
export const CLAUDE_EVENTS: { event: string; timeout: number }[] = [
  { event: 'SessionStart', timeout: 10 },
  { event: 'SessionEnd', timeout: 5 },
  { event: 'PreCompact', timeout: 10 },
  { event: 'UserPromptSubmit', timeout: 5 },
  { event: 'Stop', timeout: 5 },
];
