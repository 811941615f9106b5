import type { Env } from '../git.js';

/** What sortie does for an agent event, whatever the agent calls it. */
export type HookKind = 'start' | 'end' | 'precompact' | 'heartbeat';

export type StartSource = 'startup' | 'resume' | 'clear' | 'compact' | 'fork';

/** An agent's hook payload, normalized. */
export interface AgentEvent {
  agent: string;
  kind: HookKind;
  sessionId: string | undefined;
  transcriptPath: string | undefined;
  /** The session's working directory (the payload's `cwd`): recorded as the mission's cwd. */
  cwd: string;
  /**
   * The project directory the agent gave (its own variable, e.g. CLAUDE_PROJECT_DIR): where the
   * repository is looked for. An adapter may set it; the hook frame fills it in otherwise, and it
   * falls back to cwd.
   */
  projectDir?: string | undefined;
  source: StartSource | undefined;
  reason: string | undefined;
}

/**
 * One adapter per agent: how to read its payload, how to answer it, where its env file is, and how
 * long it gives us. Adding an agent means adding a file here and a line in the registry.
 */
export interface AgentAdapter {
  name: string;
  kindOf(event: string): HookKind | undefined;
  toEvent(event: string, payload: Record<string, unknown>, env: Env, fallbackCwd: string): AgentEvent;
  /** stdout for a start event carrying the context. */
  startOutput(context: string): string;
  /** A file the agent sources before its shell commands; sortie appends `export SORTIE_MISSION=<id>` there. */
  envFile(env: Env): string | undefined;
  /** Internal deadline per kind, well inside the agent's own timeout. */
  deadlineMs: Record<HookKind, number>;
}
