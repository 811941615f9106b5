/**
 * The hook bundle runs under vm.Script (dist/hook.cjs loads it with a V8 code cache), where a real
 * dynamic import() throws "A dynamic import callback was not specified". esbuild turns imports of
 * bundled modules into plain function calls; any import() left in the bundle is a bug waiting for
 * the code path that reaches it (it once hid in cosmiconfig's loading, used only without a
 * .sortierc.json).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
