import { hookEntryFor } from './paths.js';

/** Every command sortie writes into an agent's config ends with this marker, so uninstall removes exactly its own entries. */
export const MARK = '# sortie-hook';

/**
 * The one shell command line every agent's hook config runs for one event. It runs the installed
 * entry directly (no npx, which costs hundreds of milliseconds), and when sortie is not installed
 * it says so in one line and lets the agent go on. `projectVar` is how the agent's environment
 * names the project folder (`$CLAUDE_PROJECT_DIR`, ...). Every agent adapter builds its entries
 * with this function, so how sortie is found at run time is decided here only.
 */
export function hookCommand(root: string, agent: string, event: string, projectVar: string): string {
  const { path } = hookEntryFor(root, projectVar);
  return `f="${path}"; [ -f "$f" ] && exec node "$f" ${agent} ${event}; echo "sortie: not installed here (run npm install); continuing" >&2 ${MARK}`;
}

export function isSortieCommand(command: unknown): boolean {
  return typeof command === 'string' && command.includes(MARK);
}
