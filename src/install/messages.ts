/** What installing says when it cannot do its job: what is in the way, and the choices. */
export const installMessages = {
  anotherHookManager(o: { hooksPath: string | undefined; foreignHooks: string[]; hookEntry: string }): { message: string; hint: string } {
    const where = o.hooksPath ? `core.hooksPath is set to "${o.hooksPath}"` : `.git/hooks already holds ${o.foreignHooks.join(', ')}`;
    return {
      message: `${where}: another hook manager is in charge, so sortie did not install git hooks`,
      hint: [
        'choose one:',
        `  1. keep your manager and call sortie from it, e.g. in the commit-msg hook: node ${o.hookEntry} git commit-msg "$1" (and the same for pre-commit, post-commit, post-checkout)`,
        `  2. let husky manage hooks: ${o.hooksPath ? 'git config --unset core.hooksPath' : 'move the hooks out of .git/hooks into .husky/'} then sortie init`,
        '  3. skip git hooks: sortie init --no-git',
      ].join('\n'),
    };
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
