// Bundles the hook entry into one CommonJS file, dist/hook-bundle.cjs, the session-start entry into
// dist/hook-start.cjs and the heartbeat/SessionEnd entry into dist/hook-light.cjs, then writes the
// loader dist/hook.cjs and a V8 code cache for the full and start bundles
// (scripts/make-code-cache.cjs). Hooks run at every prompt and
// commit: one file instead of twenty ES modules, and CommonJS instead of the ES module loader, is
// measurably faster to start (see bench/). cosmiconfig and gray-matter stay external: they are
// loaded only when a config or task file needs parsing.
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// better-sqlite3's JavaScript goes into the bundle; its native addon is loaded from node_modules.
// The version is recorded so the hook uses the bundled copy only with the matching addon.
const bsq = JSON.parse(readFileSync(new URL('../node_modules/better-sqlite3/package.json', import.meta.url), 'utf8')).version;

// An agent's setup side (src/agents/<agent>/setup.ts: install, doctor, trust) is for the commands;
// no hook ever loads it, so the hook bundles get an empty module in its place.
const noSetup = {
  name: 'no-agent-setup',
  setup(b) {
    b.onResolve({ filter: /^\.\/setup\.js$/ }, (a) => (/[\\/]src[\\/]agents[\\/][^\\/]+$/.test(a.resolveDir) ? { path: a.path, namespace: 'no-agent-setup' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-agent-setup' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
  },
};

const common = {
  bundle: true,
  plugins: [noSetup],
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // bindings is only used when no addon path is passed; sortie always passes one.
  external: ['bindings', 'cosmiconfig', 'gray-matter'],
  // import.meta.url is computed only when read (few hooks do): node:url's pathToFileURL at every
  // start cost a hook half a millisecond. The bundle's folder is plain __dirname.
  define: { 'import.meta.url': '__sortie.url', __SORTIE_BSQ_VERSION__: JSON.stringify(bsq), __SORTIE_BUNDLE_DIR__: '__dirname' },
  banner: { js: "const __sortie = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  logLevel: 'warning',
};
await build({ ...common, minifyWhitespace: true, minifySyntax: true, entryPoints: ['src/hook.ts'], outfile: 'dist/hook-bundle.cjs' });
// Heartbeat and SessionEnd need neither the database driver nor the rest of sortie.
await build({ ...common, minifyWhitespace: true, minifySyntax: true, entryPoints: ['src/hook-light.ts'], outfile: 'dist/hook-light.cjs' });
// Session starts need the database, but not the commit guard or the other handlers.
await build({ ...common, minifyWhitespace: true, minifySyntax: true, entryPoints: ['src/hook-start.ts'], outfile: 'dist/hook-start.cjs' });

// Where each (agent, event) pair the light entry always declines goes: the start entry for
// starts, the full bundle for the rest; the loader goes there without loading the light one.
// Read from the adapters' own tables (dist/, built by tsc).
const { AGENT_LIST } = await import('../dist/agents/index.js');
const { lightAccepts } = await import('../dist/hooks/light.js');
const routes = AGENT_LIST.flatMap((a) =>
  Object.entries(a.events)
    .filter(([, kind]) => !lightAccepts(kind, a))
    .flatMap(([event, kind]) => [a.name, ...a.aliases].map((n) => [`${n} ${event}`, kind === 'start' ? 'start' : 'full'])),
);
const loader = readFileSync(new URL('./hook-loader.cjs', import.meta.url), 'utf8');
if (!loader.includes('/*ROUTES*/ []')) throw new Error('scripts/hook-loader.cjs: the ROUTES placeholder is gone');
writeFileSync(new URL('../dist/hook.cjs', import.meta.url), loader.replace('/*ROUTES*/ []', JSON.stringify(routes.sort(([a], [b]) => (a < b ? -1 : 1)))));
chmodSync(new URL('../dist/hook.cjs', import.meta.url), 0o755);
const made = spawnSync(process.execPath, [fileURLToPath(new URL('./make-code-cache.cjs', import.meta.url))], { stdio: 'inherit' });
// A missing cache only makes hooks a few milliseconds slower: warn, do not fail the build.
if (made.status !== 0) console.warn('sortie: could not write the hook code cache; hooks will compile on each start');
