import { forTerminal as term } from '../text.js';

/**
 * What an agent hook says. It says it on stderr, in one line, and the agent goes on: nothing here
 * may reach the model's context.
 */
export const hookMessages = {
  unknownAgent(name: string, known: string[]): string {
    return `sortie: unknown agent "${term(name, 40)}" in hook command; skipping (known: ${known.join(', ')})\n`;
  },
  unknownEvent(agent: string, event: string): string {
    return `sortie: ${term(agent, 40)} has no event "${term(event, 40)}" that sortie handles; skipping\n`;
  },
  outOfTime(event: string, deadlineMs: number): string {
    return `sortie: ${term(event, 40)} hook ran out of time (${deadlineMs} ms); the agent continues`;
  },
  failed(event: string, error: string, logFile: string | undefined): string {
    return `sortie: ${term(event, 40)} hook failed: ${term(error, 300)}${logFile ? ` (details: ${term(logFile, 300)})` : ''}; the agent continues\n`;
  },
};
