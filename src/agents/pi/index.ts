import { pluginAnswer, startSource, str } from '../payload.js';
import type { AgentAdapter, HookKind } from '../types.js';

/**
 * pi (0.73.1; test/helpers/agents/AGENTS-HARNESS.md). No hook config: an extension that
 * `sortie init` writes into `.pi/extensions/sortie.ts` (setup.ts; TypeScript through pi's jiti)
 * runs inside pi's process and calls sortie's hook entry with pi's own event names:
 * - `session_start` {session_id, source, transcript_path}: `startup`, or `resume` when the session
 *   already has messages (pi reports `startup` again on `--continue`), `clear` after `/new`,
 *   `fork` after `/fork`;
 * - `agent_end`: the heartbeat, once per prompt;
 * - `session_before_compact`: the checkpoint; the answer carries the post-compaction context
 *   (compaction: 'inline');
 * - `session_shutdown` {reason}: the end (`quit`, or `clear` when `/new` leaves the session; none
 *   after SIGKILL: the mission is reaped once pi's process, the hook's parent, is gone).
 * The extension appends the context to the system prompt of every prompt (`before_agent_start`)
 * and replaces the bash tool with one whose spawnHook exports SORTIE_MISSION and the shim into
 * every command, whose `git commit` runs the git hooks.
 */
const EVENTS: Record<string, HookKind> = {
  session_start: 'start',
  agent_end: 'heartbeat',
  session_before_compact: 'precompact',
  session_shutdown: 'end',
};

const ANSWERS = new Set(['session_start', 'session_before_compact']);

export const pi: AgentAdapter = {
  name: 'pi',
  aliases: [],
  label: 'pi',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.PWD) ?? fallbackCwd;
    return {
      agent: 'pi',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      sessionId: str(payload.session_id),
      transcriptPath: str(payload.transcript_path),
      cwd,
      projectDir: cwd,
      source: event === 'session_start' ? (startSource(payload.source) ?? 'startup') : undefined,
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: undefined,
    };
  },
  contextOutput: (event, context, extras) => (ANSWERS.has(event) && extras ? pluginAnswer(context, extras) : undefined),
  // The spawnHook exports SORTIE_MISSION and puts the shim first on PATH; pi marks its shells.
  shell: { sessionVars: [], markers: ['PI_CODING_AGENT'], rewrite: false, sortieOnPath: true },
  gitHooksRun: true,
  compaction: 'inline',
  projectVar: '$PWD',
  // The hook's parent is pi's own node process (`exec` in the hook command): identified by ancestry.
  pidVars: [],
  deadlineMs: { start: 8000, end: 3000, precompact: 8000, heartbeat: 3000, pretool: 3000, posttool: 3000 },
  setup: async () => (await import('./setup.js')).piSetup,
};
