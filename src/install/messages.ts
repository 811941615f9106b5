/** What installing says when it cannot do its job: what is in the way, and the choices. */
export const installMessages = {
  notJson(file: string, error: string): { message: string; hint: string } {
    return { message: `${file} is not valid JSON (${error}); it was left as it is`, hint: 'fix the file (or move it aside) and run `sortie init` again' };
  },
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
};
