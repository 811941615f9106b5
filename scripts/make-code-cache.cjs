'use strict';
// Writes dist/hook-bundle.<arch>-<v8>.cache: the bundle is loaded with its main switched off, every
// handler runs once against a throwaway repository (so V8 compiles the functions hooks use), and
// the compiled code is saved. Run by scripts/bundle-hook.js after each build.
const { execFileSync } = require('node:child_process');
const { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Readable } = require('node:stream');
const { Script } = require('node:vm');
const Module = require('node:module');

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'hook-bundle.cjs');
const source = require('node:fs').readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
const script = new Script(Module.wrap(source), { filename: bundle });
globalThis.__sortieBuildingCache = true;
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dist);
const { runAgentHook, runGitHook } = mod.exports;

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
    writeFileSync(join(dist, `hook-bundle.${process.arch}-${process.versions.v8}.cache`), script.createCachedData());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(`sortie: code cache not written: ${e.message}`);
  process.exit(1);
});
