/** What installing says when it cannot do its job: what is in the way, and the choices. */
export const installMessages = {
  notJson(file: string, error: string): { message: string; hint: string } {
    return { message: `${file} is not valid JSON (${error}); it was left as it is`, hint: 'fix the file (or move it aside) and run `sortie init` again' };
  },
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
};
