import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { obj, str } from '../payload.js';
import type { AgentAdapter, HookKind } from '../types.js';

/**
 * Cursor, from its DOCUMENTED hooks only: NOT proven in the real CLI (Cursor cannot run here).
 * Sources: cursor.com/docs/hooks (copy fetched 2026-08-24) and cursor.com/docs/reference/third-party-hooks;
 * the payload fixtures in test/fixtures/cursor/ are written from them.
 *
 * Hooks in `.cursor/hooks.json` (`{"version":1,"hooks":{"<event>":[{command, timeout, matcher}]}}`,
 * timeouts in seconds), run from the project root in a trusted workspace, with
 * CURSOR_PROJECT_DIR (and CLAUDE_PROJECT_DIR) set. Every payload has `conversation_id` (stable
 * across turns; sessionStart's `session_id` is the same), `generation_id`, `cursor_version`,
 * `workspace_roots`. What sortie does with them:
 * - sessionStart → start; its `additional_context` answer is the context;
 * - beforeSubmitPrompt, stop → heartbeat;
 * - preToolUse (Shell) → the rewrite: `updated_input` exports SORTIE_MISSION and the shim into the
 *   command (nothing documented gives Cursor's shell a session id); its `git commit` is assumed
 *   to run the git hooks;
 * - preCompact → checkpoint; no start follows it, so the context comes back with the next
 *   postToolUse (Shell) as `additional_context` (compaction: 'deferred');
 * - sessionEnd → end; otherwise reaped by silence (Cursor lives on after a conversation).
 * Cursor also runs Claude Code's hooks from `.claude/settings.json` (runsHooksOf): an event at
 * sortie's Claude Code entry whose payload is Cursor's is handled here, or not at all when
 * `.cursor/hooks.json` holds sortie's own entry for it, so a conversation is one mission.
 */
const EVENTS: Record<string, HookKind> = {
  sessionStart: 'start',
  beforeSubmitPrompt: 'heartbeat',
  stop: 'heartbeat',
  preToolUse: 'pretool',
  postToolUse: 'posttool',
  preCompact: 'precompact',
  sessionEnd: 'end',
};

/** The events whose `additional_context` answer reaches the conversation (docs). */
const CARRIES_CONTEXT = new Set(['sessionStart', 'postToolUse']);

/**
 * The mark every command sortie writes into an agent's config ends with (install/command.ts,
 * MARK). Written out here because the hook bundles must not load install/; a unit test keeps the
 * two equal.
 */
export const SORTIE_HOOK_MARK = '# sortie-hook';

/** Claude Code's hook names as Cursor's (third-party-hooks, "Hook Step Mapping"), for sortie's Claude Code events. */
const FROM_CLAUDE: Record<string, string> = {
  SessionStart: 'sessionStart',
  SessionEnd: 'sessionEnd',
  PreCompact: 'preCompact',
  UserPromptSubmit: 'beforeSubmitPrompt',
  Stop: 'stop',
};

/** Whether `.cursor/hooks.json` under `projectDir` holds sortie's own entry for `event`. */
function hasOwnEntry(event: string, projectDir: string): boolean {
  try {
    const config = JSON.parse(readFileSync(join(projectDir, '.cursor', 'hooks.json'), 'utf8')) as { hooks?: Record<string, unknown> };
    const list = config.hooks?.[event];
    return Array.isArray(list) && list.some((e) => typeof obj(e)?.command === 'string' && (obj(e)!.command as string).includes(SORTIE_HOOK_MARK));
  } catch {
    return false;
  }
}

function firstRoot(payload: Record<string, unknown>): string | undefined {
  return Array.isArray(payload.workspace_roots) ? str(payload.workspace_roots[0]) : undefined;
}

export const cursor: AgentAdapter = {
  name: 'cursor',
  aliases: [],
  label: 'Cursor',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? firstRoot(payload) ?? str(env.CURSOR_PROJECT_DIR) ?? fallbackCwd;
    const input = obj(payload.tool_input);
    const toolName = str(payload.tool_name);
    return {
      agent: 'cursor',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      // A subagent's events name its parent (`parent_conversation_id`, documented for subagentStart): its parent's mission.
      sessionId: str(payload.parent_conversation_id) ?? str(payload.conversation_id) ?? str(payload.session_id),
      subagent: str(payload.parent_conversation_id) !== undefined,
      transcriptPath: str(payload.transcript_path) ?? str(env.CURSOR_TRANSCRIPT_PATH),
      cwd,
      projectDir: str(env.CURSOR_PROJECT_DIR) ?? firstRoot(payload) ?? cwd,
      source: event === 'sessionStart' ? 'startup' : undefined,
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: toolName ? { name: toolName, shell: toolName === 'Shell', command: str(input?.command), input } : undefined,
    };
  },
  contextOutput: (event, context) => (CARRIES_CONTEXT.has(event) ? JSON.stringify({ additional_context: context }) : undefined),
  preToolOutput(_event, a, ev) {
    if (a.deny) return JSON.stringify({ permission: 'deny', user_message: a.deny, agent_message: a.deny });
    // updated_input replaces the whole tool input: the rest of it (working_directory) is kept.
    if (a.command) return JSON.stringify({ permission: 'allow', updated_input: { ...(ev?.tool?.input ?? {}), command: a.command } });
    return undefined;
  },
  shell: { sessionVars: [], markers: [], rewrite: true, sortieOnPath: true },
  gitHooksRun: true,
  compaction: 'deferred',
  projectVar: '$CURSOR_PROJECT_DIR',
  pidVars: [],
  runsHooksOf: {
    agent: 'claude-code',
    events: FROM_CLAUDE,
    // Cursor's common input fields; Claude Code sends neither.
    sentByMe: (payload) => typeof payload.cursor_version === 'string' || typeof payload.conversation_id === 'string',
    ownEntry: (event, projectDir) => hasOwnEntry(event, projectDir),
  },
  deadlineMs: { start: 8000, end: 3000, precompact: 8000, heartbeat: 3000, pretool: 8000, posttool: 4000 },
  setup: async () => (await import('./setup.js')).cursorSetup,
};
