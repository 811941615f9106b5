// Bundles the hook entry into one CommonJS file, dist/hook.cjs. Hooks run at every prompt and
// commit: one file instead of twenty ES modules, and CommonJS instead of the ES module loader, is
// measurably faster to start (see bench/). better-sqlite3 (native), cosmiconfig and gray-matter
// stay external: the first is loaded as is, the other two only when a config or task file needs
// parsing.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/hook.ts'],
  outfile: 'dist/hook.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['better-sqlite3', 'cosmiconfig', 'gray-matter'],
  define: { 'import.meta.url': '__sortie_url' },
  banner: { js: "const __sortie_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
