#!/usr/bin/env node
// `npm run bench:locks`: every hook's total time while another process holds the database locked
// for 30 s, in both lock modes: a writer's open BEGIN IMMEDIATE (WAL readers still read) and a
// connection in PRAGMA locking_mode=EXCLUSIVE (nobody else even reads). The holder is the sqlite3
// CLI when installed, else a better-sqlite3 script. Each hook must answer before its deadline
// (the agent's own kill time for agent hooks, the guard's deadline for git hooks), while the lock
// is still held; after the lock is released, the next sortie command must apply what was queued.
// `--hold <s>` changes the 30 s. Exits 1 when a hook is over its deadline or something was lost.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { git, gitEnv, initRepo } from './generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'sortie.js');
const HOOK = join(ROOT, 'dist', 'hook.cjs');
const { values: opt } = parseArgs({ options: { hold: { type: 'string', default: '30' }, keep: { type: 'boolean', default: false } } });
const HOLD_S = Number(opt.hold);
const log = (s) => process.stderr.write(`${s}\n`);
const env = { ...gitEnv(), NO_COLOR: '1' };

// What each hook may take: Claude Code's own timeouts for agent hooks (SessionStart and PreCompact
// 10 s; SessionEnd hooks share 1.5 s; heartbeats 5 s), the guard's 3 s deadline plus git's own
// work for commits and checkouts.
const LIMIT = { SessionStart: 10_000, PreCompact: 10_000, SessionEnd: 1500, UserPromptSubmit: 5000, Stop: 5000, commit: 4000, checkout: 4000 };

const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bench-locks-')));
const hasCli = spawnSync('sqlite3', ['-version']).status === 0;

function holder(dbFile, mode) {
  const sql =
    mode === 'immediate'
      ? `BEGIN IMMEDIATE;\nINSERT OR REPLACE INTO meta (key, value) VALUES ('bench-lock', 'held');\nSELECT 'held';\n`
      : `PRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\nINSERT OR REPLACE INTO meta (key, value) VALUES ('bench-lock', 'held');\nCOMMIT;\nSELECT 'held';\n`;
  // Holds for HOLD_S seconds, then exits (the lock goes with it).
  const p = hasCli
    ? spawn('sh', ['-c', `{ cat; sleep ${HOLD_S}; } | sqlite3 -batch "$0"`, dbFile], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn(process.execPath, ['-e', `const D=require(process.argv[1]);const d=new D(process.argv[2]);for(const s of process.argv[3].split(';\\n').filter(x=>x.trim()))if(/^SELECT/.test(s))process.stdout.write('held\\n');else d.exec(s);setTimeout(()=>process.exit(0),${HOLD_S * 1000});`, createRequire(import.meta.url).resolve('better-sqlite3'), dbFile, sql], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (hasCli) p.stdin.end(sql);
  let exited = false;
  const done = new Promise((res) => p.on('exit', () => ((exited = true), res())));
  return new Promise((resolve) => {
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('held')) resolve({ pid: p.pid, startedAt: Date.now(), holding: () => !exited, done });
    });
  });
}

function timed(cmd, args, o) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: o.cwd, env: { ...env, ...o.env }, input: o.input ?? '', encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}

const rows = [];
let failed = false;
for (const mode of ['immediate', 'exclusive']) {
  const repo = join(work, mode);
  initRepo(repo);
  writeFileSync(join(repo, 'work.txt'), 'start\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'start');
  const sortie = (args, e = {}) => spawnSync(process.execPath, [BIN, ...args], { cwd: repo, env: { ...env, ...e }, encoding: 'utf8' });
  sortie(['init']);
  sortie(['task', 'new', 'Login']);
  sortie(['task', 'new', 'Signup']);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'sortie', '--no-verify');
  const agentEnv = { CLAUDECODE: '1', CLAUDE_PROJECT_DIR: repo, CLAUDE_CODE_SESSION_ID: 'a-1' };
  const hook = (event, session, extra = {}) =>
    timed(process.execPath, [HOOK, 'claude-code', event], {
      cwd: repo,
      env: { ...agentEnv, CLAUDE_CODE_SESSION_ID: session, CLAUDE_ENV_FILE: join(work, `${mode}-${session}.env`) },
      input: JSON.stringify({ session_id: session, cwd: repo, hook_event_name: event, transcript_path: join(work, `${session}.jsonl`), ...extra }),
    });
  hook('SessionStart', 'a-1', { source: 'startup' });
  sortie(['task', 'claim', 'TASK-2'], agentEnv);
  const dbFile = join(repo, '.git', 'sortie', 'sortie.db');
  log(`${mode}: holding the database for ${HOLD_S} s (${hasCli ? 'sqlite3 CLI' : 'better-sqlite3 script'})`);
  const h = await holder(dbFile, mode);
  const check = (name, kind, t, ok = true) => {
    const within = t.ms <= LIMIT[kind] && h.holding() && ok;
    if (!within) failed = true;
    rows.push({ mode, hook: name, ms: t.ms, limit: LIMIT[kind], ok: within, exit: t.r.status });
    log(`  ${name.padEnd(38)} ${t.ms.toFixed(0).padStart(6)} ms  (limit ${LIMIT[kind]} ms) ${within ? 'ok' : `OVER${h.holding() ? '' : ' (lock already gone)'}`}`);
  };
  check('SessionStart (startup)', 'SessionStart', hook('SessionStart', 'late-1', { source: 'startup' }));
  check('SessionStart (resume)', 'SessionStart', hook('SessionStart', 'a-1', { source: 'resume' }));
  check('UserPromptSubmit', 'UserPromptSubmit', hook('UserPromptSubmit', 'a-1', { prompt: 'go on' }));
  check('Stop', 'Stop', hook('Stop', 'a-1'));
  check('PreCompact', 'PreCompact', hook('PreCompact', 'a-1', { trigger: 'auto' }));
  const commitAs = (msg) => {
    appendFileSync(join(repo, 'work.txt'), `${msg}\n`);
    git(repo, 'add', 'work.txt');
    return timed('git', ['commit', '-q', '-m', msg], { cwd: repo, env: agentEnv });
  };
  const unclaimed = commitAs('TASK-1: not mine');
  check('git commit naming an unclaimed task', 'commit', unclaimed, mode === 'immediate' ? unclaimed.r.status === 1 : unclaimed.r.status === 0);
  check('git commit naming a held task', 'commit', commitAs('TASK-2: mine'));
  check('git commit naming no task', 'commit', commitAs('plain change'));
  check('git checkout -b (post-checkout)', 'checkout', timed('git', ['checkout', '-q', '-b', `feat/TASK-2-${mode}`], { cwd: repo, env: agentEnv }));
  check('SessionEnd', 'SessionEnd', hook('SessionEnd', 'late-1', { reason: 'logout' }));
  log(`  (waiting for the holder to let go after ${HOLD_S} s)`);
  await h.done;
  const list = JSON.parse(sortie(['mission', 'list', '--all', '--json']).stdout).missions;
  const lateMission = list.find((m) => m.sessionId === 'late-1');
  const left = readdirSync(join(repo, '.git', 'sortie', 'pending')).filter((f) => !f.startsWith('commit-'));
  const db = new Database(dbFile, { readonly: true });
  const checkpoint = db.prepare("SELECT checkpoint FROM missions WHERE session_id = 'a-1'").pluck().get();
  db.close();
  const applied = lateMission?.endReason === 'logout' && left.length === 0 && Boolean(checkpoint);
  if (!applied) failed = true;
  log(`  after release: queued start ${lateMission ? `applied (mission #${lateMission.id}, ended ${lateMission.endReason})` : 'LOST'}, checkpoint ${checkpoint ? 'applied' : 'LOST'}, ${left.length} entries left`);
  rows.push({ mode, hook: 'queue applied after release', ok: applied });
}

console.log(`\n| lock held ${HOLD_S} s by another process | ${['immediate (WAL writer)', 'exclusive (locking_mode)'].join(' | ')} | limit |`);
console.log('|---|---|---|---|');
for (const name of [...new Set(rows.filter((r) => r.ms !== undefined).map((r) => r.hook))]) {
  const [i, x] = ['immediate', 'exclusive'].map((m) => rows.find((r) => r.mode === m && r.hook === name));
  console.log(`| ${name} | ${i.ms.toFixed(0)} ms${i.ok ? '' : ' OVER'} | ${x.ms.toFixed(0)} ms${x.ok ? '' : ' OVER'} | ${i.limit} ms |`);
}
if (!opt.keep) rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
