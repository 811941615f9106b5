'use strict';
// Writes dist/hook-bundle.<arch>-<v8>.cache and dist/hook-start.<arch>-<v8>.cache: each bundle is
// loaded (the full one with its main switched off), its handlers run once against a throwaway
// repository (so V8 compiles the functions hooks use), and the compiled code is saved. The start
// bundle runs only starts, so its cache holds only what a start compiles. Run by
// scripts/bundle-hook.js after each build.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Readable } = require('node:stream');
const { Script } = require('node:vm');
const Module = require('node:module');

const dist = join(__dirname, '..', 'dist');
globalThis.__sortieBuildingCache = true;

/** Loads dist/<name>.cjs as dist/hook.cjs does; returns its exports and a writer for its cache. */
function load(name) {
  const bundle = join(dist, `${name}.cjs`);
  const source = require('node:fs').readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
  const script = new Script(Module.wrap(source), { filename: bundle });
  const mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dist);
  return { exports: mod.exports, save: () => writeFileSync(join(dist, `${name}.${process.arch}-${process.versions.v8}.cache`), script.createCachedData()) };
}

const full = load('hook-bundle');
const { runAgentHook, runGitHook } = full.exports;

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-cache-')));
const env = { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' };
const git = (...a) => execFileSync('git', a, { cwd: dir, env, stdio: 'ignore' });
const sink = { write: () => true };
const io = (payload) => ({
  argv: [],
  stdin: Readable.from([Buffer.from(JSON.stringify({ cwd: dir, ...payload }))]),
  stdout: sink,
  stderr: sink,
  env,
  cwd: dir,
  now: () => new Date(),
  ppid: process.pid,
  onDeadline: () => {},
});

(async () => {
  try {
    git('init', '-q');
    git('config', 'user.email', 'cache@example.com');
    git('config', 'user.name', 'cache');
    writeFileSync(join(dir, '.sortierc.json'), '{ "extends": "recommended" }\n');
    mkdirSync(join(dir, '.sortie', 'tasks'), { recursive: true });
    writeFileSync(join(dir, '.sortie', 'tasks', 'TASK-1.md'), '---\nid: TASK-1\ntitle: Cache warm-up\nstatus: TODO\npriority: high\n---\n');
    const sid = 'code-cache';
    await runAgentHook('claude-code', 'SessionStart', io({ session_id: sid, source: 'startup' }));
    await runAgentHook('claude-code', 'UserPromptSubmit', io({ session_id: sid, prompt: 'x' }));
    await runAgentHook('claude-code', 'PreCompact', io({ session_id: sid, trigger: 'auto' }));
    await runAgentHook('claude-code', 'SessionStart', io({ session_id: sid, source: 'compact' }));
    writeFileSync(join(dir, 'msg'), 'TASK-1 warm the guard\n');
    await runGitHook('commit-msg', [join(dir, 'msg')], { env, cwd: dir, stdout: sink, stderr: sink, now: () => new Date() });
    await runGitHook('pre-commit', [], { env, cwd: dir, stdout: sink, stderr: sink, now: () => new Date() });
    await runAgentHook('claude-code', 'SessionEnd', io({ session_id: sid, reason: 'other' }));
    full.save();
    // The start bundle, against the database the full one made: a new session, then a compaction's.
    const start = load('hook-start');
    await start.exports.runStartHook('claude-code', 'SessionStart', io({ session_id: 'code-cache-start', source: 'startup' }));
    await start.exports.runStartHook('claude-code', 'SessionStart', io({ session_id: 'code-cache-start', source: 'compact' }));
    start.save();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(`sortie: code cache not written: ${e.message}`);
  process.exit(1);
});
