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
  /**
   * The context a new session gets when the database cannot even be read (a process holds it in
   * exclusive locking mode): one line, so the agent knows why there is nothing else.
   */
  lockedContext(error: string, queued: boolean): string {
    return `sortie: no context this time: ${term(error, 400)}. ${queued ? 'This session is queued and will be recorded as a mission as soon as the database is free; ' : ''}sortie commands (sortie status, sortie task claim <ID>) will work once it is.`;
  },
  /** The context when the database or the config cannot be used at all. */
  unusableContext(error: string, hint: string | undefined, queued: boolean): string {
    return `sortie: no context this time: ${term(error, 400)}${hint ? ` (fix: ${term(hint, 200)})` : ''}. ${queued ? 'This session is queued and will be recorded once that is fixed. ' : 'This session is not recorded. '}Tell the person you work with; \`sortie doctor\` shows what is wrong.`;
  },
  /** Appended to a pre-tool block whose command line also claims: the whole line is judged before any of it runs. */
  claimFirst(): string {
    return '  (this command line is judged before it runs, so its claim has not happened yet: run the claim on its own, then commit)\n';
  },
  failed(event: string, error: string, logFile: string | undefined): string {
    return `sortie: ${term(event, 40)} hook failed: ${term(error, 300)}${logFile ? ` (details: ${term(logFile, 300)})` : ''}; the agent continues\n`;
  },
};
