import { obj, str } from '../payload.js';
import type { AgentAdapter, HookKind } from '../types.js';

/**
 * GitHub Copilot CLI (1.0.102; test/helpers/agents/AGENTS-HARNESS.md). Hooks in
 * `.github/hooks/<name>.json` (its own camelCase format, timeouts in seconds), run only in a
 * trusted folder (setup.ts). The context is a user message (top-level `additionalContext`). What
 * it lacks, and how sortie makes up for it:
 * - compaction drops the sessionStart context and no hook fires after it: preCompact leaves the
 *   post-compaction context for the next userPromptSubmitted or preToolUse, whose
 *   `additionalContext` reaches the model (compaction: 'deferred');
 * - a subagent's shell carries a COPILOT_AGENT_SESSION_ID no hook ever saw: identity falls back to
 *   process ancestry (the hooks' parent, recorded as the mission's agent pid, is Copilot's binary,
 *   whose process name is `MainThread`); a subagent's own events name its parent (`parentAgentId`).
 * Its preToolUse denies the tool call when the hook fails: sortie's hooks always exit 0.
 */
const EVENTS: Record<string, HookKind> = {
  sessionStart: 'start',
  userPromptSubmitted: 'heartbeat',
  agentStop: 'heartbeat',
  preToolUse: 'pretool',
  preCompact: 'precompact',
  sessionEnd: 'end',
};

/** The events whose top-level `additionalContext` reaches the model (seen). */
const CARRIES_CONTEXT = new Set(['sessionStart', 'userPromptSubmitted', 'preToolUse']);

const SOURCES: Record<string, 'startup' | 'resume'> = { new: 'startup', startup: 'startup', resume: 'resume' };

export const copilotCli: AgentAdapter = {
  name: 'copilot-cli',
  aliases: ['copilot'],
  label: 'Copilot CLI',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.COPILOT_PROJECT_DIR) ?? fallbackCwd;
    const toolName = str(payload.toolName);
    let args = payload.toolArgs;
    if (typeof args === 'string') {
      try {
        args = JSON.parse(args) as unknown;
      } catch {
        args = undefined;
      }
    }
    return {
      agent: 'copilot-cli',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      // A subagent's prompt and stop events carry its own id in sessionId, and its parent's here.
      sessionId: str(payload.parentAgentId) ?? str(payload.sessionId),
      transcriptPath: str(payload.transcriptPath),
      cwd,
      projectDir: str(env.COPILOT_PROJECT_DIR) ?? cwd,
      source: event === 'sessionStart' ? (SOURCES[str(payload.source) ?? 'new'] ?? 'startup') : undefined,
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: toolName ? { name: toolName, shell: toolName === 'bash', command: str(obj(args)?.command) } : undefined,
      subagent: str(payload.parentAgentId) !== undefined,
    };
  },
  contextOutput: (event, context) => (CARRIES_CONTEXT.has(event) ? JSON.stringify({ additionalContext: context }) : undefined),
  preToolOutput(_event, a) {
    if (a.deny) return JSON.stringify({ permissionDecision: 'deny', permissionDecisionReason: a.deny });
    if (a.context) return JSON.stringify({ additionalContext: a.context });
    return undefined;
  },
  // Its shell has the user's PATH, which may not hold sortie: the context names the shim by its path.
  shell: { sessionVars: ['COPILOT_AGENT_SESSION_ID'], markers: ['COPILOT_CLI'], rewrite: false, sortieOnPath: false },
  gitHooksRun: true,
  compaction: 'deferred',
  projectVar: '$COPILOT_PROJECT_DIR',
  pidVars: [],
  deadlineMs: { start: 8000, end: 3000, precompact: 8000, heartbeat: 3000, pretool: 3000, posttool: 3000 },
  setup: async () => (await import('./setup.js')).copilotCliSetup,
};
