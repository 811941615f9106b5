// Writes the files generated from their sources, after tsc; they are committed, and
// test/unit/plugin-files.test.ts checks they are what this writes:
// - the Claude Code plugin's hooks/hooks.json, from the Claude adapter (src/agents/claude-code/setup.ts);
// - the version in .claude-plugin/plugin.json, from package.json;
// - the session-variable line of the git runner's post-commit (hooks/sortie.sh), from the agent
//   registry: a static line rather than a list in the machine-local hooks.env, so it holds in a
//   clone where `sortie init` never ran and cannot drift from the sortie that wrote hooks.env.
import { readFileSync, writeFileSync } from 'node:fs';
import { pluginHooksJson } from '../dist/agents/claude-code/setup.js';
import { sessionVarsLine } from '../dist/agents/index.js';

const update = (url, text) => {
  if (readFileSync(url, 'utf8') !== text) writeFileSync(url, text);
};
update(new URL('../hooks/hooks.json', import.meta.url), pluginHooksJson());
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const manifest = new URL('../.claude-plugin/plugin.json', import.meta.url);
update(manifest, `${JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), version }, null, 2)}\n`);
const runner = new URL('../hooks/sortie.sh', import.meta.url);
update(runner, readFileSync(runner, 'utf8').replace(/^.*# sortie:session-vars$/m, sessionVarsLine()));
