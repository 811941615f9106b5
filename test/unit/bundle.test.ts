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

test('the hook bundles have no dynamic import() left', () => {
  for (const bundle of ['hook-bundle.cjs', 'hook-start.cjs', 'hook-light.cjs']) {
    const code = readFileSync(join(dist, bundle), 'utf8');
    const left = code.split('\n').filter((l) => /(^|[^.\w])import\(/.test(l));
    expect(left, bundle).toEqual([]);
  }
});

test('the loader, the bundles and a code cache for each for this Node are built', () => {
  expect(existsSync(join(dist, 'hook.cjs'))).toBe(true);
  const caches = readdirSync(dist).filter((f) => f.endsWith('.cache'));
  expect(caches).toContain(`hook-bundle.${process.arch}-${process.versions.v8}.cache`);
  expect(caches).toContain(`hook-start.${process.arch}-${process.versions.v8}.cache`);
});

test('the start bundle holds what a start runs, and not the commit guard or the other handlers', () => {
  const start = readFileSync(join(dist, 'hook-start.cjs'), 'utf8');
  const full = readFileSync(join(dist, 'hook-bundle.cjs'), 'utf8');
  // The bundles are minified with their names kept: each module's functions show where it went.
  for (const fn of ['sessionStart', 'buildContext', 'openDb']) expect(start).toContain(`function ${fn}(`);
  for (const fn of ['runGitHook', 'preToolGuard', 'preCompact']) {
    expect(start).not.toContain(`function ${fn}(`);
    expect(full).toContain(`function ${fn}(`);
  }
});

test('every agent start is routed to the start bundle, and nothing else is', () => {
  const loader = readFileSync(join(dist, 'hook.cjs'), 'utf8');
  const routes = new Map(JSON.parse(/new Map\((\[.*?\])\);/s.exec(loader)![1]!) as [string, string][]);
  expect(routes.get('claude-code SessionStart')).toBe('start');
  expect(routes.get('codex SessionStart')).toBe('start');
  expect(routes.get('copilot-cli sessionStart')).toBe('start');
  expect(routes.get('claude-code PreCompact')).toBe('full');
  expect([...routes].filter(([event, route]) => route === 'start' && !/ (SessionStart|sessionStart|session\.created|session_start)$/.test(event))).toEqual([]);
});

test('a Node without a code cache gets one written by its first hook run, and V8 accepts it', () => {
  // A copy of the loader and bundle inside the package (so node_modules and presets resolve), with
  // no cache beside them: the situation of an install whose Node differs from the build's.
  const dir = mkdtempSync(join(ROOT, '.test-tmp-cache-'));
  try {
    copyFileSync(join(dist, 'hook.cjs'), join(dir, 'hook.cjs'));
    copyFileSync(join(dist, 'hook-bundle.cjs'), join(dir, 'hook-bundle.cjs'));
    copyFileSync(join(dist, 'hook-light.cjs'), join(dir, 'hook-light.cjs'));
    copyFileSync(join(dist, 'hook-start.cjs'), join(dir, 'hook-start.cjs'));
    // PreCompact goes through the full bundle, SessionStart through the start one (heartbeat and
    // SessionEnd take the light entry, which has no cache).
    for (const [event, bundle] of [['PreCompact', 'hook-bundle'], ['SessionStart', 'hook-start']] as const) {
      const cache = join(dir, `${bundle}.${process.arch}-${process.versions.v8}.cache`);
      expect(existsSync(cache)).toBe(false);
      const r = spawnSync(process.execPath, [join(dir, 'hook.cjs'), 'claude-code', event], { cwd: dir, input: '{"session_id":"x"}', encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(existsSync(cache), event).toBe(true);
      const source = readFileSync(join(dir, `${bundle}.cjs`), 'utf8').replace(/^#!.*/, '');
      const script = new Script(Module.wrap(source), { filename: join(dir, `${bundle}.cjs`), cachedData: readFileSync(cache) });
      expect(script.cachedDataRejected).toBe(false);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
