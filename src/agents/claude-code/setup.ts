import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonHookSetup, type JsonHookSpec } from '../json-hooks.js';
import type { AgentSetup, HookLine } from '../types.js';
import { claudeCode } from './index.js';

/** The timeout (seconds) of each event's entry; SessionEnd's raises Claude Code's 1.5 s default. */
const TIMEOUTS: Record<string, number> = { SessionStart: 10, SessionEnd: 5, PreCompact: 10, UserPromptSubmit: 5, Stop: 5 };

/** The events sortie wires into Claude Code, with the timeout (seconds) of each entry. */
export const CLAUDE_EVENTS: { event: string; timeout: number }[] = Object.keys(claudeCode.events).map((event) => ({ event, timeout: TIMEOUTS[event]! }));

export function settingsPath(root: string): string {
  return join(root, '.claude', 'settings.json');
}

function spec(root: string, line: HookLine): JsonHookSpec {
  return {
    file: settingsPath(root),
    shape: 'grouped',
    label: claudeCode.label,
    entries: CLAUDE_EVENTS.map(({ event, timeout }) => ({ event, entry: { type: 'command', command: line.command(event), timeout } })),
  };
}

export const claudeCodeSetup: AgentSetup = {
  detect: (root) => ['.claude', 'CLAUDE.md'].filter((p) => existsSync(join(root, p))),
  ...jsonHookSetup(settingsPath, spec),
};

/**
 * The Claude Code plugin's hooks/hooks.json (the package root is a plugin): the same events and
 * timeouts as the entries init writes, calling the plugin's own hook entry. The build writes it
 * (scripts/plugin-files.js); a test checks the committed file is what this makes.
 */
export function pluginHooksJson(): string {
  const hooks = Object.fromEntries(
    CLAUDE_EVENTS.map(({ event, timeout }) => [event, [{ hooks: [{ type: 'command', command: `node "\${CLAUDE_PLUGIN_ROOT}/dist/hook.cjs" claude-code ${event}`, timeout }] }]]),
  );
  const description = 'sortie: missions, context and reaping for Claude Code (the same entry `sortie init` wires into .claude/settings.json)';
  return `${JSON.stringify({ description, hooks }, null, 2)}\n`;
}
