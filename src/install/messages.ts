/** What installing says when it cannot do its job: what is in the way, and the choices. */
export const installMessages = {
  anotherHookManager(managers: { name: string; configured: string | undefined; installed: boolean; cannotWire: string | undefined; snippet: { file: string; text: string; then: string | undefined } }[]): { message: string; hint: string } {
    const state = (m: (typeof managers)[number]) => (m.installed ? 'installed' : `configured in ${m.configured}, not installed on this clone yet`);
    const names = managers.map((m) => `${m.name} (${state(m)})`).join(' and ');
    const lines = ['sortie leaves the hooks folder to it, and calls itself from it. Either:', '  1. let sortie add its call in your manager\'s own terms: sortie init --wire', '  2. or add it yourself:'];
    for (const m of managers) {
      if (m.cannotWire) lines.push(`     (${m.name}: --wire cannot do it here: ${m.cannotWire})`);
      lines.push(`     in ${m.snippet.file}:`, ...m.snippet.text.split('\n').map((l) => `       ${l}`));
      if (m.snippet.then) lines.push(`     then: ${m.snippet.then}`);
    }
    lines.push('  3. or skip git hooks: sortie init --no-git');
    return { message: `${names} manages this repository's git hooks: nothing was written`, hint: lines.join('\n') };
  },
  huskyFailed(output: string): string {
    return `husky could not install the git hooks: ${output}`;
  },
  hooksPathNotSet(gitError: string): string {
    return `could not set core.hooksPath: ${gitError}`;
  },
  unknownAgent(name: string, known: string[]): { message: string; hint: string } {
    return { message: `unknown agent "${name}"`, hint: `use one of: ${known.join(', ')}` };
  },
  defaultAgent(label: string, others: string[]): string {
    return `no agent config found here, so sortie set up ${label}; for another agent: sortie init --agent <name> (${others.join(', ')})`;
  },
  trustNeeded(label: string, steps: string, sortieCan = true): string {
    return `${label} will not run sortie's hooks until you trust them once: ${steps}${sortieCan ? `\n  or let sortie do it in your ${label} config: sortie init --trust` : ''}`;
  },
  hooksOff(label: string, found: string, fix: string): string {
    return `${label} will not run sortie's hooks: ${found}; ${fix}`;
  },
  trusted(label: string, changes: string[]): string {
    return `${label}: ${changes.join('; ')}`;
  },
  trustFailed(label: string, error: string, steps: string): string {
    return `${label}: could not record the trust (${error}); do it once yourself: ${steps}`;
  },
};
