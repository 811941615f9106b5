/**
 * The hook bundle runs under vm.Script (dist/hook.cjs loads it with a V8 code cache), where a real
 * dynamic import() throws "A dynamic import callback was not specified". esbuild turns imports of
 * bundled modules into plain function calls; any import() left in the bundle is a bug waiting for
 * the code path that reaches it (it once hid in cosmiconfig's loading, used only without a
 * .sortierc.json).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { Script } from 'node:vm';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/repo.js';

const dist = join(ROOT, 'dist');

test('the hook bundle has no dynamic import() left', () => {
  const code = readFileSync(join(dist, 'hook-bundle.cjs'), 'utf8');
  const left = code.split('\n').filter((l) => /(^|[^.\w])import\(/.test(l));
  expect(left).toEqual([]);
});

test('the loader, the bundle and a code cache for this Node are built', () => {
  expect(existsSync(join(dist, 'hook.cjs'))).toBe(true);
  const caches = readdirSync(dist).filter((f) => f.startsWith('hook-bundle.') && f.endsWith('.cache'));
  expect(caches).toContain(`hook-bundle.${process.arch}-${process.versions.v8}.cache`);
});

test('a Node without a code cache gets one written by its first hook run, and V8 accepts it', () => {
  // A copy of the loader and bundle inside the package (so node_modules and presets resolve), with
  // no cache beside them: the situation of an install whose Node differs from the build's.
  const dir = mkdtempSync(join(ROOT, '.test-tmp-cache-'));
  try {
    copyFileSync(join(dist, 'hook.cjs'), join(dir, 'hook.cjs'));
    copyFileSync(join(dist, 'hook-bundle.cjs'), join(dir, 'hook-bundle.cjs'));
    copyFileSync(join(dist, 'hook-light.cjs'), join(dir, 'hook-light.cjs'));
    const cache = join(dir, `hook-bundle.${process.arch}-${process.versions.v8}.cache`);
    expect(existsSync(cache)).toBe(false);
    // PreCompact goes through the full bundle (heartbeat and SessionEnd take the light entry).
    const r = spawnSync(process.execPath, [join(dir, 'hook.cjs'), 'claude-code', 'PreCompact'], { cwd: dir, input: '{"session_id":"x"}', encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(existsSync(cache)).toBe(true);
    const source = readFileSync(join(dir, 'hook-bundle.cjs'), 'utf8').replace(/^#!.*/, '');
    const script = new Script(Module.wrap(source), { filename: join(dir, 'hook-bundle.cjs'), cachedData: readFileSync(cache) });
    expect(script.cachedDataRejected).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
