#!/usr/bin/env node
// `npm run bench:remote`: claims shared through the git remote (issue 12), against a real git
// server on loopback (git daemon, started and stopped here by its pid).
// - `task claim` through the remote vs ONE bare `git push` of one ref to the same server, as a
//   ratio (the goal: 1.3x), interleaved run by run; `node -e 0` beside them for the floor.
//   No Node command can meet that goal: starting Node alone costs most of a push, so the floor is
//   (node -e 0 + push) / push. Printed beside it: what the remote adds to a claim (the claim minus
//   the same claim with sharing off), against one push, held to the same 1.3x.
// - the hooks with sharing on vs off in the same clone: SessionStart, and `git commit` naming a
//   claimed task (they must not change: the hooks read the cache, never the network).
// `--runs <n>` (default 15). Exits 0; the budget line says ok or OVER.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { git, gitEnv, initRepo } from './generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'sortie.js');
const HOOK = join(ROOT, 'dist', 'hook.cjs');
const { values: opt } = parseArgs({ options: { runs: { type: 'string', default: '15' }, keep: { type: 'boolean', default: false } } });
const RUNS = Number(opt.runs);
const WARM = 3;
const log = (s) => process.stderr.write(`${s}\n`);
const env = { ...gitEnv(), NO_COLOR: '1' };
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

function run(cmd, args, o = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: { ...env, ...o.env }, input: o.input ?? '', encoding: 'utf8' });
  const t = Number(process.hrtime.bigint() - t0) / 1e6;
  if (o.check !== false && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { t, r };
}

async function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}
const accepts = (port) =>
  new Promise((res) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), res(true)));
    c.once('error', () => res(false));
  });

const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bench-remote-')));
let daemon;
try {
  // The remote, served by git daemon on loopback.
  const base = join(work, 'srv');
  git(work, 'init', '-q', '--bare', '-b', 'main', join(base, 'team.git'));
  const port = await freePort();
  daemon = spawn('git', ['daemon', '--reuseaddr', '--enable=receive-pack', '--export-all', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base], { env, stdio: 'ignore' });
  while (!(await accepts(port))) await new Promise((r) => setTimeout(r, 20));
  const url = `git://127.0.0.1:${port}/team.git`;

  // A repository with sortie and enough tasks for every run, pushed; then a teammate's clone.
  const n = 2 * (WARM + RUNS) + 2;
  const seed = join(work, 'seed');
  initRepo(seed);
  git(seed, 'remote', 'add', 'origin', url);
  writeFileSync(join(seed, 'README.md'), '# bench\n');
  run(process.execPath, [BIN, 'init'], { cwd: seed });
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '--no-verify', '-m', 'init');
  // Task files written directly (no id reservations: they would be what the clone competes with).
  mkdirSync(join(seed, '.sortie', 'tasks'), { recursive: true });
  for (let i = 1; i <= n; i++) writeFileSync(join(seed, '.sortie', 'tasks', `TASK-${i}-bench.md`), `---\nid: TASK-${i}\ntitle: Bench ${i}\nstatus: TODO\npriority: medium\n---\n`);
  git(seed, 'add', '-A');
  git(seed, 'commit', '-q', '--no-verify', '-m', 'tasks');
  git(seed, 'push', '-q', 'origin', 'main');
  const clone = join(work, 'clone');
  git(work, 'clone', '-q', url, clone);
  git(clone, 'config', 'user.name', 'Bench Person');
  git(clone, 'config', 'user.email', 'bench@example.com');
  git(clone, 'config', 'commit.gpgsign', 'false');
  run(process.execPath, [BIN, 'init'], { cwd: clone });
  run(process.execPath, [BIN, 'status'], { cwd: clone }); // the database and the first cache fetch
  const sha = git(clone, 'rev-parse', 'HEAD');

  // 1. task claim through the remote vs one bare git push of one ref (a new ref each run, as a claim makes).
  // `local`: the same claim with sharing off (what the remote adds is claim - local).
  const cfgFile = join(clone, '.sortierc.json');
  const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
  const setSharing = (on) => writeFileSync(cfgFile, JSON.stringify({ ...cfg, remote: { enabled: on } }, null, 2));
  const times = { claim: [], push: [], node: [], local: [] };
  for (let i = 0; i < WARM + RUNS; i++) {
    const steps = {
      claim: () => run(process.execPath, [BIN, 'task', 'claim', `TASK-${i + 1}`], { cwd: clone }).t,
      local: () => {
        setSharing(false);
        const t = run(process.execPath, [BIN, 'task', 'claim', `TASK-${WARM + RUNS + i + 1}`], { cwd: clone }).t;
        setSharing(true);
        return t;
      },
      push: () => run('git', ['push', '--porcelain', 'origin', `${sha}:refs/bench/push-${i}`], { cwd: clone }).t,
      node: () => run(process.execPath, ['-e', '0'], { cwd: clone }).t,
    };
    const keys = Object.keys(steps);
    for (const k of keys.map((_, j) => keys[(i + j) % keys.length])) {
      const t = steps[k]();
      if (i >= WARM) times[k].push(t);
    }
  }
  const claim = median(times.claim);
  const push = median(times.push);
  const nodeMs = median(times.node);
  const local = median(times.local);
  const ratio = claim / push;
  const added = (claim - local) / push;
  const floor = (nodeMs + push) / push;
  log(`task claim through the remote: ${claim.toFixed(1)} ms; the same claim with sharing off: ${local.toFixed(1)} ms; one bare git push of one ref: ${push.toFixed(1)} ms; node -e 0: ${nodeMs.toFixed(1)} ms`);
  log(`  ratio claim / push: ${ratio.toFixed(2)}x (goal 1.3x ${ratio <= 1.3 ? 'met' : 'not met'}; the floor for any Node command, (node -e 0 + push) / push: ${floor.toFixed(2)}x)`);
  log(`  what sharing adds to a claim, / push: ${added.toFixed(2)}x (claim - claim with sharing off = ${(claim - local).toFixed(1)} ms; 1.3x ${added <= 1.3 ? 'ok' : 'OVER'})`);

  // 2. hooks with sharing on vs off, same clone, same database (the config file is switched).
  const start = (i) => JSON.stringify({ session_id: `bench-${i}`, hook_event_name: 'SessionStart', source: 'startup', cwd: clone, transcript_path: join(work, 't.jsonl') });
  const hookTimes = { on: [], off: [] };
  const commitTimes = { on: [], off: [] };
  let k = 0;
  for (let i = 0; i < WARM + RUNS; i++) {
    for (const mode of i % 2 ? ['on', 'off'] : ['off', 'on']) {
      setSharing(mode === 'on');
      const h = run(process.execPath, [HOOK, 'claude-code', 'SessionStart'], { cwd: clone, input: start(++k), env: { CLAUDECODE: '1' }, check: false });
      writeFileSync(join(clone, 'work.txt'), `${i} ${mode}\n`);
      git(clone, 'add', 'work.txt');
      const c = run('git', ['commit', '-q', '-m', `TASK-1: bench ${i} ${mode}`], { cwd: clone, check: false });
      if (i >= WARM) {
        hookTimes[mode].push(h.t);
        commitTimes[mode].push(c.t);
      }
    }
  }
  setSharing(true);
  const so = median(hookTimes.on);
  const sf = median(hookTimes.off);
  const co = median(commitTimes.on);
  const cf = median(commitTimes.off);
  log(`SessionStart hook: sharing on ${so.toFixed(1)} ms, off ${sf.toFixed(1)} ms (${(so / sf).toFixed(2)}x)`);
  log(`git commit naming a claimed task: sharing on ${co.toFixed(1)} ms, off ${cf.toFixed(1)} ms (${(co / cf).toFixed(2)}x)`);
  process.stdout.write(
    `${JSON.stringify({ runs: RUNS, claimMs: claim, localClaimMs: local, pushMs: push, nodeMs, ratio, floorRatio: floor, addedRatio: added, sessionStart: { on: so, off: sf }, commit: { on: co, off: cf } })}\n`,
  );
} finally {
  if (daemon && daemon.exitCode === null) {
    const gone = new Promise((r) => daemon.once('exit', r));
    daemon.kill('SIGTERM');
    await gone;
  }
  if (!opt.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
}
