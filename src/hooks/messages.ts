/**
 * What an agent hook says. It says it on stderr, in one line, and the agent goes on: nothing here
 * may reach the model's context.
 */
export const hookMessages = {
  unknownAgent(name: string, known: string[]): string {
    return `sortie: unknown agent "${name}" in hook command; skipping (known: ${known.join(', ')})\n`;
  },
  unknownEvent(agent: string, event: string): string {
    return `sortie: ${agent} has no event "${event}" that sortie handles; skipping\n`;
  },
  outOfTime(event: string, deadlineMs: number): string {
    return `sortie: ${event} hook ran out of time (${deadlineMs} ms); the agent continues`;
  },
  /** Appended to a pre-tool block whose command line also claims: the whole line is judged before any of it runs. */
  claimFirst(): string {
    return '  (this command line is judged before it runs, so its claim has not happened yet: run the claim on its own, then commit)\n';
  },
  failed(event: string, error: string, logFile: string | undefined): string {
    return `sortie: ${event} hook failed: ${error}${logFile ? ` (details: ${logFile})` : ''}; the agent continues\n`;
  },
};
