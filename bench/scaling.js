#!/usr/bin/env node
// How each cost grows: tasks at 1k, 10k, 100k (small history), then history at 1k, 10k, 100k
// missions with 10x as many activity rows (1k tasks). `npm run bench:scaling`; about 5 minutes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fillHistory, gitEnv, initRepo, writeTasks } from './generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'sortie.js');
const HOOK = join(ROOT, 'dist', 'hook.cjs');
const { values: opt } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'bench', 'scaling.json') }, runs: { type: 'string', default: '7' } } });
const RUNS = Number(opt.runs);
const env = { ...gitEnv(), NO_COLOR: '1' };
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const log = (s) => process.stderr.write(`${s}\n`);

function time(cmd, args, cwd, input = '') {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out: r.stdout };
}

function measure(repo) {
  const node = [];
  const start = [];
  const beat = [];
  const list = [];
  const status = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const n = time(process.execPath, ['-e', '0'], repo).ms;
    const s = time(process.execPath, [HOOK, 'claude-code', 'SessionStart'], repo, JSON.stringify({ session_id: `scale-${i}`, cwd: repo, source: 'startup' })).ms;
    const b = time(process.execPath, [HOOK, 'claude-code', 'UserPromptSubmit'], repo, JSON.stringify({ session_id: 'scale-0', cwd: repo })).ms;
    const l = time(process.execPath, [BIN, 'task', 'list'], repo).ms;
    const st = time(process.execPath, [BIN, 'status'], repo).ms;
    if (i > 0) (node.push(n), start.push(s), beat.push(b), list.push(l), status.push(st));
  }
  return { node: median(node), sessionStart: median(start), heartbeat: median(beat), taskList: median(list), status: median(status) };
}

const results = { tasks: [], history: [] };
for (const n of [1_000, 10_000, 100_000]) {
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-scale-')));
  const repo = join(work, 'repo');
  initRepo(repo);
  writeFileSync(join(repo, '.sortierc.json'), '{ "extends": "recommended" }\n');
  log(`tasks ${n}: writing files`);
  writeTasks(repo, n, 1);
  const idx = JSON.parse(time(process.execPath, [join(ROOT, 'bench', 'inproc.js'), join(repo, '.sortie', 'tasks'), join(repo, '.git', 'sortie', 'sortie.db'), String(RUNS)], repo).out);
  fillHistory(join(repo, '.git', 'sortie', 'sortie.db'), { missions: 1_000, activity: 10_000, commits: 500 });
  const m = measure(repo);
  results.tasks.push({ tasks: n, firstIndexMs: idx.firstMs, quickResyncMs: idx.quickMs, fullResyncMs: idx.fullMs, ...m });
  log(`  first index ${idx.firstMs.toFixed(0)} ms, quick ${idx.quickMs.toFixed(2)} ms, full ${idx.fullMs.toFixed(1)} ms, start ${m.sessionStart.toFixed(1)} ms, list ${m.taskList.toFixed(0)} ms (node ${m.node.toFixed(1)})`);
  rmSync(work, { recursive: true, force: true });
}
for (const missions of [1_000, 10_000, 100_000]) {
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-scale-')));
  const repo = join(work, 'repo');
  initRepo(repo);
  writeFileSync(join(repo, '.sortierc.json'), '{ "extends": "recommended" }\n');
  writeTasks(repo, 1_000, 1);
  time(process.execPath, [BIN, 'status'], repo); // create and index
  log(`history ${missions} missions, ${missions * 10} activity rows`);
  fillHistory(join(repo, '.git', 'sortie', 'sortie.db'), { missions, activity: missions * 10, commits: missions / 2 });
  const m = measure(repo);
  const logMs = median(Array.from({ length: RUNS }, () => time(process.execPath, [BIN, 'log', '--since', '1h'], repo).ms));
  results.history.push({ missions, activity: missions * 10, ...m, logSince1h: logMs });
  log(`  start ${m.sessionStart.toFixed(1)} ms, heartbeat ${m.heartbeat.toFixed(1)} ms, status ${m.status.toFixed(0)} ms, log ${logMs.toFixed(0)} ms (node ${m.node.toFixed(1)})`);
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(opt.out, `${JSON.stringify(results, null, 2)}\n`);
const row = (cells) => `| ${cells.join(' | ')} |`;
console.log(row(['tasks', 'first index', 're-sync (hooks)', 're-sync (CLI)', 'SessionStart', 'task list', 'status', 'node -e 0']));
console.log(row(Array(8).fill('---')));
for (const r of results.tasks) console.log(row([r.tasks, `${r.firstIndexMs.toFixed(0)} ms`, `${r.quickResyncMs.toFixed(2)} ms`, `${r.fullResyncMs.toFixed(1)} ms`, `${r.sessionStart.toFixed(1)} ms`, `${r.taskList.toFixed(0)} ms`, `${r.status.toFixed(0)} ms`, `${r.node.toFixed(1)} ms`]));
console.log('');
console.log(row(['missions / activity', 'SessionStart', 'heartbeat', 'status', 'log --since 1h', 'node -e 0']));
console.log(row(Array(6).fill('---')));
for (const r of results.history) console.log(row([`${r.missions} / ${r.activity}`, `${r.sessionStart.toFixed(1)} ms`, `${r.heartbeat.toFixed(1)} ms`, `${r.status.toFixed(0)} ms`, `${r.logSince1h.toFixed(0)} ms`, `${r.node.toFixed(1)} ms`]));
