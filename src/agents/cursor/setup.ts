import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { jsonHookSetup, type JsonHookSpec } from '../json-hooks.js';
import type { AgentSetup, HookLine } from '../types.js';
import { cursor } from './index.js';

/** Seconds (cursor.com/docs/hooks, "Per-Script Configuration Options"). */
const TIMEOUTS: Record<string, number> = { sessionStart: 10, beforeSubmitPrompt: 5, stop: 5, preToolUse: 10, postToolUse: 5, preCompact: 10, sessionEnd: 5 };
/** Only the shell tool's calls reach sortie's tool hooks. */
const MATCHERS: Record<string, string> = { preToolUse: 'Shell', postToolUse: 'Shell' };

export function hooksPath(root: string): string {
  return join(root, '.cursor', 'hooks.json');
}

function spec(root: string, line: HookLine): JsonHookSpec {
  return {
    file: hooksPath(root),
    shape: 'flat',
    label: cursor.label,
    base: { version: 1 },
    entries: Object.keys(cursor.events).map((event) => ({
      event,
      entry: { command: line.command(event), timeout: TIMEOUTS[event], ...(MATCHERS[event] ? { matcher: MATCHERS[event] } : {}) },
    })),
  };
}

const say = {
  steps: () => 'open this folder in Cursor and trust the workspace (Cursor runs project hooks only in a trusted workspace; see its Hooks output channel)',
  unknown: () => 'Cursor keeps workspace trust in its own state, which sortie cannot read; this adapter is built from the documentation and not proven in the real Cursor',
};

export const cursorSetup: AgentSetup = {
  detect: (root) => ['.cursor', '.cursorrules'].filter((p) => existsSync(join(root, p))),
  ...jsonHookSetup(hooksPath, spec),
  // Only the user can trust a workspace (no apply): init and doctor say how.
  trust: {
    steps: say.steps,
    state: async () => ({ trusted: undefined, message: say.unknown() }),
  },
};
