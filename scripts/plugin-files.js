// Writes the Claude Code plugin's files from their sources, after tsc: hooks/hooks.json from the
// Claude adapter's event table (src/install/claude.ts, pluginHooksJson) and the version in
// .claude-plugin/plugin.json from package.json. They are committed (the package root is the
// plugin); test/unit/plugin-files.test.ts checks they are what this writes.
import { readFileSync, writeFileSync } from 'node:fs';
import { pluginHooksJson } from '../dist/install/claude.js';

const update = (url, text) => {
  if (readFileSync(url, 'utf8') !== text) writeFileSync(url, text);
};
update(new URL('../hooks/hooks.json', import.meta.url), pluginHooksJson());
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const manifest = new URL('../.claude-plugin/plugin.json', import.meta.url);
update(manifest, `${JSON.stringify({ ...JSON.parse(readFileSync(manifest, 'utf8')), version }, null, 2)}\n`);
