import { pluginAnswer, str } from '../payload.js';
import type { AgentAdapter, HookKind, StartSource } from '../types.js';

/**
 * OpenCode (1.18.33; test/helpers/agents/AGENTS-HARNESS.md). No hook config: a plugin that
 * `sortie init` writes into `.opencode/plugins/sortie.js` (setup.ts) runs inside OpenCode's
 * process and calls sortie's hook entry, with these event names and payloads of its own:
 * - `session.created` {sessionID, cwd, source}: `startup` for OpenCode's `session.created`
 *   without `parentID`; `resume` for a session first seen elsewhere (`run --session <id>` fires
 *   no `session.created`). A subagent's session is its parent's: the plugin maps child to parent;
 * - `session.idle` {sessionID}: the heartbeat, once per turn;
 * - `experimental.session.compacting` {sessionID, trigger}: the checkpoint; the answer carries
 *   the post-compaction context (compaction: 'inline');
 * - `dispose` / `session.deleted` {sessionID, reason}: the end (OpenCode's only end signal is
 *   `dispose`; after SIGTERM or SIGKILL none fires, and the mission is reaped by OPENCODE_PID).
 * The answers are JSON {context, mission, bin, checkpoint?}: the plugin injects the context into
 * every request (`experimental.chat.system.transform`, so it survives compaction) and exports
 * SORTIE_MISSION and the shim into every shell command (`shell.env`), whose `git commit` runs the
 * git hooks.
 */
const EVENTS: Record<string, HookKind> = {
  'session.created': 'start',
  'session.idle': 'heartbeat',
  'experimental.session.compacting': 'precompact',
  dispose: 'end',
  'session.deleted': 'end',
};

/** The events whose answer carries the context. */
const ANSWERS = new Set(['session.created', 'experimental.session.compacting']);

const SOURCES = new Set<StartSource>(['startup', 'resume']);

export const opencode: AgentAdapter = {
  name: 'opencode',
  aliases: [],
  label: 'OpenCode',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.PWD) ?? fallbackCwd;
    const source = str(payload.source) as StartSource | undefined;
    return {
      agent: 'opencode',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      sessionId: str(payload.sessionID),
      transcriptPath: undefined,
      cwd,
      projectDir: cwd,
      source: event === 'session.created' ? (source && SOURCES.has(source) ? source : 'startup') : undefined,
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: undefined,
    };
  },
  contextOutput: (event, context, extras) => (ANSWERS.has(event) && extras ? pluginAnswer(context, extras) : undefined),
  // shell.env exports SORTIE_MISSION and puts the shim first on PATH; OPENCODE=1 marks its shells.
  shell: { sessionVars: [], markers: ['OPENCODE'], rewrite: false, sortieOnPath: true },
  gitHooksRun: true,
  compaction: 'inline',
  projectVar: '$PWD',
  pidVars: ['OPENCODE_PID'],
  // In-process: nothing kills the hook but the plugin's own 15 s limit.
  deadlineMs: { start: 8000, end: 3000, precompact: 8000, heartbeat: 3000, pretool: 3000, posttool: 3000 },
  setup: async () => (await import('./setup.js')).opencodeSetup,
};
