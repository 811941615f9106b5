/**
 * What the adapters' setup says: a sentence a person reads, as a function of the values it
 * names. What only one agent says (its trust steps) lives in that agent's setup.ts.
 */
export const agentMessages = {
  notJson(file: string, error: string): { message: string; hint: string } {
    return { message: `${file} is not valid JSON (${error}); it was left as it is`, hint: 'fix the file (or move it aside) and run `sortie init` again' };
  },
  installed(label: string, events: string[]): string {
    return `${label} hooks: ${events.join(', ')}`;
  },
  alreadyInstalled(label: string): string {
    return `${label} hooks already installed`;
  },
  noConfig(label: string): string {
    return `no ${label} config`;
  },
  noEntries(label: string): string {
    return `no sortie hooks in the ${label} config`;
  },
  removed(n: number): string {
    return `removed ${n} sortie hook entr${n === 1 ? 'y' : 'ies'}`;
  },
  removedFile(label: string): string {
    return `${label} config (created by sortie init)`;
  },
};
