#!/usr/bin/env node
// sortie's performance suite: every row of the design's budget table, as ratios to baselines
// measured in the same run and interleaved with it. `--quick` is the small smoke run CI uses.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { addCheckoutShape, fillHistory, git, gitEnv, initRepo, writeTasks } from './generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'sortie.js');
const HOOK = join(ROOT, 'dist', 'hook.cjs');
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench', 'results.json') },
    runs: { type: 'string' },
    keep: { type: 'boolean', default: false },
    scaling: { type: 'boolean', default: false },
    'no-peer': { type: 'boolean', default: false },
  },
});
const QUICK = opt.quick;
const SIZE = QUICK ? { tasks: 500, missions: 2_000, activity: 20_000, commits: 1_000 } : { tasks: 10_000, missions: 100_000, activity: 1_000_000, commits: 50_000 };
const RUNS = Number(opt.runs ?? (QUICK ? 5 : 15));
const WARM = QUICK ? 1 : 3;
const STRESS = QUICK ? { procs: 8, runs: 12 } : { procs: 8, runs: 200 };
// Parallel agents' clone: worktrees (real checkouts) and branches not checked out, beside the tasks.
const SHAPE = QUICK ? { worktrees: 3, branches: 10 } : { worktrees: 10, branches: 50 };
const started = Date.now();
const log = (s) => process.stderr.write(`${s}\n`);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bench-')));
const repo = join(work, 'repo');
const base = join(work, 'base');
const env = { ...gitEnv(), NO_COLOR: '1' };

function run(cmd, args, o = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: o.cwd ?? repo, env: { ...env, ...o.env }, input: o.input ?? '', encoding: 'utf8', maxBuffer: 64 << 20 });
  const t = ms(t0);
  if (o.check !== false && r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { t, r };
}
const node0 = () => run(process.execPath, ['-e', '0']).t;
const sortie = (args, o = {}) => run(process.execPath, [BIN, ...args], o);

/** Runs each measured thing once per round, in an order that rotates, so drift hits all alike. */
function interleave(fns, warm = WARM, runs = RUNS) {
  const keys = Object.keys(fns);
  const out = Object.fromEntries(keys.map((k) => [k, []]));
  for (let i = 0; i < warm + runs; i++) {
    const order = keys.map((_, j) => keys[(i + j) % keys.length]);
    for (const k of order) {
      const t = fns[k](i);
      if (i >= warm) out[k].push(t);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(out[k])]));
}

const rows = [];
const add = (row) => {
  rows.push(row);
  const v = row.ratio !== undefined ? `${row.ratio.toFixed(2)}x` : row.value;
  log(`  ${row.name}: ${v}${row.budget ? ` (budget ${row.budget})` : ''} ${row.ok === undefined ? '' : row.ok ? 'ok' : 'OVER'}`);
};

// ---------------------------------------------------------------- setup
log(`sortie bench${QUICK ? ' (quick)' : ''}: ${SIZE.tasks} tasks, ${SIZE.missions} missions, ${SIZE.activity} activity rows, ${SIZE.commits} commits in ${work}`);
initRepo(repo);
const taskList = [];
writeTasks(repo, SIZE.tasks, 1, taskList);
writeFileSync(join(repo, 'bench.txt'), 'start\n');
git(repo, 'add', '-A');
git(repo, 'commit', '-qm', 'tasks');
sortie(['init']);
git(repo, 'add', '-A');
git(repo, 'commit', '-qm', 'sortie init', '--no-verify');
const dbFile = join(repo, '.git', 'sortie', 'sortie.db');
let t0 = process.hrtime.bigint();
fillHistory(dbFile, SIZE);
log(`  history generated in ${(ms(t0) / 1000).toFixed(1)} s`);
sortie(['status']); // first full index through the CLI, so hooks start from a synced index

// The baseline: a byte-for-byte copy of the same repository (same index, same objects, same
// config), with husky's hooks left in place but emptied and no sortie database.
run('cp', ['-a', repo, base], { cwd: work });
rmSync(join(base, '.git', 'sortie'), { recursive: true, force: true });
git(base, 'config', 'core.hooksPath', join(base, '.husky', '_'));
for (const h of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout']) writeFileSync(join(base, '.husky', h), '# empty husky hook\n');

// ---------------------------------------------------------------- agent hooks vs node -e 0
// Every agent's hook entries, with payloads shaped as each real CLI sends them
// (test/helpers/agents/AGENTS-HARNESS.md) and the variables it gives its hooks.
log('agent hooks (median of whole processes, interleaved with node -e 0)');
const nowIso = new Date().toISOString();
const transcriptLow = join(work, 'gemini-session.jsonl');
writeFileSync(transcriptLow, `${JSON.stringify({ sessionId: 'x' })}\n${JSON.stringify({ type: 'gemini', model: 'gemini-2.5-flash', tokens: { input: 1200, output: 5 } })}\n`);
const cursorCommon = (sid, event) => ({ conversation_id: sid, generation_id: 'g1', model: 'm', hook_event_name: event, cursor_version: '1.7.2', workspace_roots: [repo], user_email: null, transcript_path: null });
const AGENT_HOOKS = {
  'claude-code': {
    env: { CLAUDE_PROJECT_DIR: repo },
    start: ['SessionStart', (sid, i) => ({ session_id: sid, cwd: repo, hook_event_name: 'SessionStart', source: 'startup', transcript_path: join(work, `t-${i}.jsonl`) })],
    heartbeat: ['UserPromptSubmit', (sid) => ({ session_id: sid, cwd: repo, hook_event_name: 'UserPromptSubmit', prompt: 'hello' })],
    end: ['SessionEnd', (sid) => ({ session_id: sid, cwd: repo, hook_event_name: 'SessionEnd', reason: 'other' })],
    precompact: ['PreCompact', (sid) => ({ session_id: sid, cwd: repo, hook_event_name: 'PreCompact', trigger: 'auto' })],
  },
  codex: {
    env: { PWD: repo },
    start: ['SessionStart', (sid, i) => ({ session_id: sid, transcript_path: join(work, `c-${i}.jsonl`), cwd: repo, hook_event_name: 'SessionStart', model: 'gpt-5-codex', permission_mode: 'bypassPermissions', source: 'startup' })],
    heartbeat: ['UserPromptSubmit', (sid) => ({ session_id: sid, turn_id: 't', cwd: repo, hook_event_name: 'UserPromptSubmit', model: 'gpt-5-codex', prompt: 'hello' })],
    end: ['SessionEnd', (sid) => ({ session_id: sid, cwd: repo, hook_event_name: 'SessionEnd', reason: 'other' })],
  },
  'gemini-cli': {
    env: { GEMINI_PROJECT_DIR: repo, GEMINI_CWD: repo },
    start: ['SessionStart', (sid) => ({ session_id: sid, transcript_path: transcriptLow, cwd: repo, hook_event_name: 'SessionStart', timestamp: nowIso, source: 'startup' })],
    heartbeat: ['BeforeAgent', (sid) => ({ session_id: sid, transcript_path: transcriptLow, cwd: repo, hook_event_name: 'BeforeAgent', timestamp: nowIso, prompt: 'hello' })],
    end: ['SessionEnd', (sid) => ({ session_id: sid, cwd: repo, hook_event_name: 'SessionEnd', timestamp: nowIso, reason: 'exit' })],
    // The command rewrite, before every shell command.
    pretool: ['BeforeTool', (sid) => ({ session_id: sid, transcript_path: transcriptLow, cwd: repo, hook_event_name: 'BeforeTool', timestamp: nowIso, tool_name: 'run_shell_command', tool_input: { command: 'npm test', description: 'run the tests' } })],
    // Before every request: the gate reads the transcript's tail and lets it go.
    'precompact (gated, no compression)': ['PreCompress', (sid) => ({ session_id: sid, transcript_path: transcriptLow, cwd: repo, hook_event_name: 'PreCompress', timestamp: nowIso, trigger: 'auto' })],
  },
  'copilot-cli': {
    env: { COPILOT_CLI: '1', COPILOT_PROJECT_DIR: repo },
    start: ['sessionStart', (sid) => ({ sessionId: sid, timestamp: Date.now(), cwd: repo, source: 'new', initialPrompt: 'hello' })],
    heartbeat: ['userPromptSubmitted', (sid) => ({ sessionId: sid, timestamp: Date.now(), cwd: repo, prompt: 'hello' })],
    end: ['sessionEnd', (sid) => ({ sessionId: sid, timestamp: Date.now(), cwd: repo, reason: 'complete' })],
    // Before every tool call (it may carry context back after a compaction).
    pretool: ['preToolUse', (sid) => ({ sessionId: sid, timestamp: Date.now(), cwd: repo, toolName: 'bash', toolArgs: { command: 'npm test', description: 'run the tests' } })],
  },
  // OpenCode and pi: what their in-process plugins send the hook entry (src/agents/opencode,
  // src/agents/pi); the plugins run the same command line as a background process for the
  // heartbeat, and wait for the start (once per session) and the end (once, at exit).
  opencode: {
    env: { PWD: repo, OPENCODE: '1', OPENCODE_PID: String(process.pid) },
    start: ['session.created', (sid) => ({ cwd: repo, sessionID: sid, source: 'startup' })],
    heartbeat: ['session.idle', (sid) => ({ cwd: repo, sessionID: sid })],
    end: ['dispose', (sid) => ({ cwd: repo, sessionID: sid, reason: 'exit' })],
    precompact: ['experimental.session.compacting', (sid) => ({ cwd: repo, sessionID: sid, trigger: 'auto' })],
  },
  pi: {
    env: { PWD: repo, PI_CODING_AGENT: 'true' },
    start: ['session_start', (sid, i) => ({ session_id: sid, cwd: repo, source: 'startup', transcript_path: join(work, `p-${i}.jsonl`) })],
    heartbeat: ['agent_end', (sid) => ({ session_id: sid, cwd: repo })],
    end: ['session_shutdown', (sid) => ({ session_id: sid, cwd: repo, reason: 'quit' })],
  },
  // Cursor: its documented payloads (test/fixtures/cursor/); not measured in the real product.
  cursor: {
    env: { CURSOR_PROJECT_DIR: repo, CLAUDE_PROJECT_DIR: repo, CURSOR_VERSION: '1.7.2' },
    start: ['sessionStart', (sid) => ({ ...cursorCommon(sid, 'sessionStart'), session_id: sid, is_background_agent: false, composer_mode: 'agent' })],
    heartbeat: ['beforeSubmitPrompt', (sid) => ({ ...cursorCommon(sid, 'beforeSubmitPrompt'), prompt: 'hello', attachments: [] })],
    end: ['sessionEnd', (sid) => ({ ...cursorCommon(sid, 'sessionEnd'), session_id: sid, reason: 'completed', duration_ms: 1000, is_background_agent: false, final_status: 'completed' })],
    // The command rewrite, before every shell command.
    pretool: ['preToolUse', (sid) => ({ ...cursorCommon(sid, 'preToolUse'), tool_name: 'Shell', tool_input: { command: 'npm test', working_directory: repo }, tool_use_id: 't1', cwd: repo })],
  },
};
const BUDGETS = { start: 1.3, heartbeat: 1.2, end: 1.2, pretool: 1.2, 'precompact (gated, no compression)': 1.2 };
const hook = (agent, kind, sid, i = 0) => {
  const [event, payload] = AGENT_HOOKS[agent][kind];
  return run(process.execPath, [HOOK, agent, event], { env: AGENT_HOOKS[agent].env, input: JSON.stringify(payload(sid, i)) });
};
const liveDb = new Database(dbFile);
const insertLive = liveDb.prepare(`INSERT INTO missions (codename, kind, agent, session_id, cwd, worktree, branch, pid, started_at, last_seen_at) VALUES (?, 'agent', ?, ?, ?, ?, 'main', ?, ?, ?)`);
for (const agent of Object.keys(AGENT_HOOKS)) for (let i = 0; i < WARM + RUNS; i++) insertLive.run(`bench-end-${agent}-${i}`, agent, `${agent}-end-${i}`, repo, repo, process.pid, nowIso, nowIso);
liveDb.close();
// One live session per agent, started through its own SessionStart hook (its mission, and the per-session file its rewrite reads).
for (const agent of Object.keys(AGENT_HOOKS)) {
  const r = hook(agent, 'start', `${agent}-live`).r;
  if (!r.stdout.includes('you are mission')) throw new Error(`${agent} SessionStart gave no context: ${r.stdout}${r.stderr}`);
}
// Each measured start's mission is closed again, untimed: the live missions every start checks
// for reaping stay as many as in a one-agent run, however many agents are measured.
const closer = new Database(dbFile);
const closeSession = closer.prepare("UPDATE missions SET ended_at = ?, end_reason = 'bench' WHERE session_id = ? AND ended_at IS NULL");
const measured = { node: () => node0() };
for (const [agent, kinds] of Object.entries(AGENT_HOOKS)) {
  for (const kind of Object.keys(kinds).filter((k) => k !== 'env')) {
    measured[`${agent} ${kind}`] = (i) => {
      const sid = kind === 'start' ? `${agent}-start-${i}` : kind === 'end' ? `${agent}-end-${i}` : `${agent}-live`;
      const t = hook(agent, kind, sid, i).t;
      if (kind === 'start') closeSession.run(new Date().toISOString(), sid);
      return t;
    };
  }
}
const h = interleave(measured);
closer.close();
add({ name: 'node -e 0', value: `${h.node.toFixed(1)} ms` });
const perAgent = {};
for (const [agent, kinds] of Object.entries(AGENT_HOOKS)) {
  for (const kind of Object.keys(kinds).filter((k) => k !== 'env')) {
    const t = h[`${agent} ${kind}`];
    const budget = BUDGETS[kind];
    add({ name: `${agent} ${kind} hook (${kinds[kind][0]})`, ms: t, ratio: t / h.node, ...(budget ? { budget: `${budget}x`, ok: t / h.node <= budget } : {}) });
    (perAgent[agent] ??= []).push(`${kind} ${(t / h.node).toFixed(2)}x`);
  }
}

// ---------------------------------------------------------------- git commit
log('git commit (real commits, interleaved with the same commit under empty husky hooks)');
const commitIn = (dir, msg, i) => {
  appendFileSync(join(dir, 'bench.txt'), `${msg} ${i}\n`);
  return run('git', ['commit', '-q', '-a', '-m', `${msg} ${i}`], { cwd: dir }).t;
};
const c1 = interleave({ base: (i) => commitIn(base, 'plain change', i), sortie: (i) => commitIn(repo, 'plain change', i) });
add({ name: 'git commit, no task reference', ms: c1.sortie, ratio: c1.sortie / c1.base, budget: '1.15x empty-hook commit', ok: c1.sortie / c1.base <= 1.15, baseline: c1.base });
const todo = taskList.find((t) => t.status === 'TODO' && t.dependsOn.length === 0);
sortie(['task', 'claim', todo.id]);
const c2 = interleave({ base: (i) => commitIn(base, 'plain change', `b${i}`), node: () => node0(), sortie: (i) => commitIn(repo, `${todo.id}: work`, i) });
add({ name: 'git commit referencing a claimed task', ms: c2.sortie, ratio: c2.sortie / (c2.base + c2.node), budget: '1.3x (empty-hook commit + node -e 0)', ok: c2.sortie / (c2.base + c2.node) <= 1.3 });
sortie(['log', '--limit', '1']); // any sortie process records the commits post-commit queued
const recorded = new Database(dbFile, { readonly: true }).prepare("SELECT COUNT(*) FROM commits WHERE subject LIKE ?").pluck().get(`${todo.id}: work%`);
if (recorded !== WARM + RUNS) throw new Error(`post-commit recorded ${recorded} of ${WARM + RUNS} commits`);

// ---------------------------------------------------------------- task index
log('task index (in process)');
const ip = JSON.parse(run(process.execPath, [join(ROOT, 'bench', 'inproc.js'), join(repo, '.sortie', 'tasks'), join(work, 'index.db'), String(RUNS)]).r.stdout);
add({ name: `first index of ${ip.indexed} task files`, ms: ip.firstMs, value: `${ip.firstMs.toFixed(0)} ms`, budget: QUICK ? undefined : '1500 ms', ok: QUICK ? undefined : ip.firstMs <= 1500 });
add({ name: 're-sync, nothing changed (hooks: folder stat)', ms: ip.quickMs, value: `${ip.quickMs.toFixed(2)} ms`, budget: '5 ms', ok: ip.quickMs <= 5 });
add({ name: 're-sync, nothing changed (CLI: stat every file)', ms: ip.fullMs, value: `${ip.fullMs.toFixed(1)} ms` });

// ---------------------------------------------------------------- CLI on the large repo
log('CLI on the large repo');
const cli = interleave({ node: () => node0(), status: () => sortie(['status']).t, list: () => sortie(['task', 'list']).t, create: (i) => sortie(['task', 'new', `bench task ${i}`]).t });
add({ name: 'sortie status', ms: cli.status, ratio: cli.status / cli.node });
add({ name: 'sortie task list', ms: cli.list, ratio: cli.list / cli.node });
add({ name: 'sortie task new', ms: cli.create, ratio: cli.create / cli.node });

// ---------------------------------------------------------------- peer: Backlog.md
if (!opt['no-peer'] && !QUICK) {
  let peer;
  try {
    const { preparePeer } = await import('./peer-backlog.js');
    peer = await preparePeer({ workDir: join(work, 'peer'), tasks: taskList, log });
  } catch (e) {
    peer = { ok: false, reason: `peer setup failed: ${e.message}` };
  }
  if (peer.ok) {
    // Backlog.md (a Bun binary) drops output written to a pipe, so both tools write to a file.
    const { runPeer } = await import('./peer-backlog.js');
    const outFile = join(work, 'sortie-list.txt');
    const sortieToFile = () => {
      const fd = openSync(outFile, 'w');
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, [BIN, 'task', 'list', '--all'], { cwd: repo, env, stdio: ['ignore', fd, 'pipe'] });
      const t = ms(t0);
      closeSync(fd);
      if (r.status !== 0) throw new Error(`sortie task list failed: ${r.stderr}`);
      return t;
    };
    let peerError;
    const pr = interleave(
      {
        sortie: sortieToFile,
        backlog: () => {
          const r = runPeer(peer);
          if (!r.ok) peerError ??= r.error;
          return r.ms;
        },
      },
      1,
      QUICK ? 1 : 5,
    );
    const listed = readFileSync(outFile, 'utf8').split('\n').filter((l) => /^TASK-\d+/.test(l)).length;
    if (peerError) add({ name: 'Backlog.md peer', value: `failed while timing: ${peerError}` });
    else add({ name: `sortie task list --all vs backlog task list --plain (Backlog.md ${peer.version}, ${peer.listed} tasks each; sortie listed ${listed})`, ms: pr.sortie, ratio: pr.sortie / pr.backlog, value: `sortie ${pr.sortie.toFixed(0)} ms, backlog ${pr.backlog.toFixed(0)} ms`, note: peer.note });
  } else add({ name: 'Backlog.md peer', value: `not run: ${peer.reason}` });
} else add({ name: 'Backlog.md peer', value: QUICK ? 'skipped in --quick' : 'skipped (--no-peer)' });

// ---------------------------------------------------------------- concurrency
log('concurrency');
{
  const db = new Database(dbFile);
  const ids = [];
  for (let i = 0; i < 16; i++) ids.push(Number(db.prepare(`INSERT INTO missions (codename, kind, agent, session_id, pid, started_at, last_seen_at) VALUES (?, 'agent', 'claude-code', ?, ?, ?, ?)`).run(`claimer-${i}`, `claimer-${i}`, process.pid, nowIso, nowIso).lastInsertRowid));
  db.close();
  const target = taskList.find((t) => t.status === 'TODO' && t.id !== todo.id);
  const results = await Promise.all(ids.map((id) => runAsync(process.execPath, [BIN, 'task', 'claim', target.id, '--json'], { SORTIE_MISSION: String(id) })));
  const winners = results.filter((r) => r.code === 0).length;
  const held = results.filter((r) => r.code === 1 && /CLAIM_HELD/.test(r.stdout)).length;
  const errors = results.length - winners - held;
  add({ name: '16 processes claiming one task', value: `${winners} winner, ${errors} errors`, budget: '1 winner, 0 errors', ok: winners === 1 && errors === 0 });
}
{
  const t = process.hrtime.bigint();
  const workers = Array.from({ length: STRESS.procs }, (_, w) => stressWorker(w, STRESS.runs));
  const res = await Promise.all(workers);
  const failures = res.reduce((s, r) => s + r.failures, 0);
  sortie(['mission', 'list']); // apply what the hooks queued, as any sortie reader does first
  const db = new Database(dbFile, { readonly: true });
  const sessions = STRESS.procs * Math.floor(STRESS.runs / 4);
  const started_ = db.prepare("SELECT COUNT(*) FROM missions WHERE session_id LIKE 'stress-%'").pluck().get();
  const ended = db.prepare("SELECT COUNT(*) FROM missions WHERE session_id LIKE 'stress-%' AND ended_at IS NOT NULL AND end_reason = 'other'").pluck().get();
  const startEvents = db.prepare("SELECT COUNT(*) FROM activity a JOIN missions m ON m.id = a.mission_id WHERE m.session_id LIKE 'stress-%' AND a.kind = 'mission.started'").pluck().get();
  const endEvents = db.prepare("SELECT COUNT(*) FROM activity a JOIN missions m ON m.id = a.mission_id WHERE m.session_id LIKE 'stress-%' AND a.kind = 'mission.ended'").pluck().get();
  db.close();
  const lost = 4 * sessions - (started_ + ended + startEvents + endEvents);
  add({ name: `${STRESS.procs} processes x ${STRESS.runs} hook runs`, value: `${failures} failures, ${lost} lost events (${(ms(t) / 1000).toFixed(0)} s)`, budget: '0 failures, 0 lost', ok: failures === 0 && lost === 0 });
}

// ---------------------------------------------------------------- memory
log('peak memory');
{
  // GNU time reports a child's peak RSS without touching the process; the --import preload is the
  // fallback (it loads the ES module loader, so it reads a few MiB high).
  const gnuTime = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  const rssFile = join(work, 'rss.txt');
  const peak = {};
  const withRss = { NODE_OPTIONS: `--import=${join(ROOT, 'bench', 'rss.mjs')}`, SORTIE_BENCH_RSS: rssFile };
  const peakOf = (args, input) => {
    if (gnuTime) {
      const r = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', process.execPath, ...args], { cwd: repo, env, input, encoding: 'utf8' });
      return Number(/peak-kb (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
    }
    rmSync(rssFile, { force: true });
    spawnSync(process.execPath, args, { cwd: repo, env: { ...env, ...withRss }, input, encoding: 'utf8' });
    return Number(readFileSync(rssFile, 'utf8').trim()) / 1024;
  };
  const measure = (name, fn) => (peak[name] = Math.max(...[0, 1, 2].map(fn)));
  const hookArgs = (event) => [HOOK, 'claude-code', event];
  measure('node -e 0', () => peakOf(['-e', '0'], ''));
  measure('SessionStart', (i) => peakOf(hookArgs('SessionStart'), JSON.stringify({ session_id: `mem-${i}`, cwd: repo, source: 'startup' })));
  measure('heartbeat', () => peakOf(hookArgs('UserPromptSubmit'), JSON.stringify({ session_id: 'live-1', cwd: repo })));
  measure('PreCompact', () => peakOf(hookArgs('PreCompact'), JSON.stringify({ session_id: 'live-1', cwd: repo })));
  measure('SessionEnd', (i) => peakOf(hookArgs('SessionEnd'), JSON.stringify({ session_id: `mem-${i}`, cwd: repo, reason: 'other' })));
  measure('gemini-cli BeforeTool', () => peakOf([HOOK, 'gemini-cli', 'BeforeTool'], JSON.stringify(AGENT_HOOKS['gemini-cli'].pretool[1]('gemini-cli-live'))));
  measure('git commit-msg', (i) => {
    const f = join(work, 'msg.txt');
    writeFileSync(f, `${todo.id}: memory ${i}\n`);
    return peakOf([HOOK, 'git', 'commit-msg', f], '');
  });
  const { 'node -e 0': base0, ...hooks } = peak;
  const worst = Math.max(...Object.values(hooks));
  add({ name: 'hook peak memory (worst hook)', value: `${worst.toFixed(1)} MiB (${Object.entries(hooks).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}; node -e 0: ${base0.toFixed(0)})`, budget: '64 MiB', ok: worst <= 64, peak });
}

// ---------------------------------------------------------------- worktrees and branches
log(`with ${SHAPE.worktrees} worktrees and ${SHAPE.branches} branches beside the ${SIZE.tasks} tasks`);
{
  // What the runs above left in the working tree (new task files, claims) is committed first, so
  // the worktrees start from it and the commits below stage only bench.txt.
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'bench: settle', '--no-verify');
  const startedShape = process.hrtime.bigint();
  addCheckoutShape(repo, { ...SHAPE, tasks: SIZE.tasks });
  add({ name: `make ${SHAPE.worktrees} worktrees (each: git worktree add + sortie post-checkout) and ${SHAPE.branches} branches`, value: `${(ms(startedShape) / 1000).toFixed(1)} s` });
  const first = sortie(['status']).t;
  add({ name: 'first command after them (worktrees listed, branches read)', ms: first, value: `${first.toFixed(0)} ms` });
  const br = JSON.parse(run(process.execPath, [join(ROOT, 'bench', 'branches.js'), repo, dbFile, String(RUNS)]).r.stdout);
  if (br.changed !== 0) throw new Error(`branches changed between two refreshes: ${br.changed}`);
  add({ name: `branch refresh, none of ${br.refs} moved (commands and post-checkout; not SessionStart: see README)`, ms: br.unchangedMs, value: `${br.unchangedMs.toFixed(1)} ms` });
  const db = new Database(dbFile);
  const live = db.prepare(`INSERT INTO missions (codename, kind, agent, session_id, cwd, worktree, branch, pid, started_at, last_seen_at) VALUES (?, 'agent', 'claude-code', ?, ?, ?, 'main', ?, ?, ?)`);
  const at = new Date().toISOString();
  for (let i = 0; i < WARM + RUNS; i++) live.run(`shape-end-${i}`, `shape-end-${i}`, repo, repo, process.pid, at, at);
  const sources = db.prepare('SELECT kind, COUNT(*) AS n FROM task_sources GROUP BY kind').all();
  db.close();
  add({ name: 'sources the shared view reads', value: sources.map((x) => `${x.n} ${x.kind}`).join(', ') });
  const hs = interleave({
    node: () => node0(),
    start: (i) => hook('claude-code', 'start', `shape-start-${i}`, i).t,
    heartbeat: () => hook('claude-code', 'heartbeat', 'live-1').t,
    end: (i) => hook('claude-code', 'end', `shape-end-${i}`).t,
  });
  add({ name: 'node -e 0 (with worktrees and branches)', value: `${hs.node.toFixed(1)} ms` });
  add({ name: 'SessionStart hook, with worktrees and branches', ms: hs.start, ratio: hs.start / hs.node, budget: '1.3x', ok: hs.start / hs.node <= 1.3 });
  add({ name: 'heartbeat hook, with worktrees and branches', ms: hs.heartbeat, ratio: hs.heartbeat / hs.node, budget: '1.2x', ok: hs.heartbeat / hs.node <= 1.2 });
  add({ name: 'SessionEnd hook, with worktrees and branches', ms: hs.end, ratio: hs.end / hs.node, budget: '1.2x', ok: hs.end / hs.node <= 1.2 });
  const cs = interleave({ base: (i) => commitIn(base, 'plain change', `s${i}`), node: () => node0(), sortie: (i) => commitIn(repo, `${todo.id}: shape work`, i) });
  add({ name: 'git commit referencing a claimed task, with worktrees and branches', ms: cs.sortie, ratio: cs.sortie / (cs.base + cs.node), budget: '1.3x (empty-hook commit + node -e 0)', ok: cs.sortie / (cs.base + cs.node) <= 1.3 });
  const cl = interleave({ node: () => node0(), status: () => sortie(['status']).t, list: () => sortie(['task', 'list']).t, create: (i) => sortie(['task', 'new', `shape task ${i}`]).t });
  add({ name: 'sortie status, with worktrees and branches', ms: cl.status, ratio: cl.status / cl.node });
  add({ name: 'sortie task list, with worktrees and branches', ms: cl.list, ratio: cl.list / cl.node });
  add({ name: 'sortie task new, with worktrees and branches', ms: cl.create, ratio: cl.create / cl.node });
}

// ---------------------------------------------------------------- report
const table = [['what', 'measured', 'budget', 'holds']];
for (const r of rows) {
  const measured = r.ratio !== undefined ? `${r.ratio.toFixed(2)}x (${r.ms.toFixed(1)} ms)` : r.value;
  table.push([r.name, measured, r.budget ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
}
const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`\n${line(table[0])}\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n${table.slice(1).map(line).join('\n')}\n`);
const over = rows.filter((r) => r.ok === false);
const result = { quick: QUICK, perAgent, size: SIZE, runs: RUNS, node: process.version, cpus: (await import('node:os')).cpus().length, seconds: Math.round((Date.now() - started) / 1000), rows, over: over.map((r) => r.name) };
mkdirSync(dirname(opt.out), { recursive: true });
writeFileSync(opt.out, `${JSON.stringify(result, null, 2)}\n`);
const verdict = over.length ? `${over.length} budget(s) not held: ${over.map((r) => r.name).join('; ')}` : 'every budget holds';
// The quick run checks that the suite works and that correctness rows hold; five runs on a small
// repository are too few for the timing ratios to mean anything.
const caveat = QUICK ? ' (quick smoke run: timings from 5 runs on 500 tasks are indicative only; run `npm run bench` to measure)' : '';
process.stdout.write(`\nagent hooks / node -e 0: ${Object.entries(perAgent).map(([a, v]) => `${a}: ${v.join(', ')}`).join('; ')}\n`);
process.stdout.write(`\n${verdict}${caveat} · ${result.seconds} s · results: ${opt.out}\n`);
if (!opt.keep) rmSync(work, { recursive: true, force: true }); // the worktrees (wt-*) are inside it too
else log(`kept ${work}`);
// The quick run is a smoke test: it fails on broken correctness (winners, failures, lost events), not on timing.
const broken = rows.filter((r) => r.ok === false && /claiming|hook runs/.test(r.name));
process.exitCode = broken.length ? 1 : 0;

function runAsync(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: repo, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.stdin.end();
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One of the concurrent streams: sessions of start, prompt, stop, end; each a hook process. */
async function stressWorker(w, runs) {
  let failures = 0;
  const events = ['SessionStart', 'UserPromptSubmit', 'Stop', 'SessionEnd'];
  for (let i = 0; i < runs; i++) {
    const s = Math.floor(i / 4);
    const event = events[i % 4];
    const payload = { session_id: `stress-${w}-${s}`, cwd: repo, hook_event_name: event, source: 'startup', reason: 'other' };
    const r = await new Promise((resolve) => {
      const p = spawn(process.execPath, [HOOK, 'claude-code', event], { cwd: repo, env });
      let err = '';
      p.stderr.on('data', (d) => (err += d));
      p.stdout.resume();
      p.stdin.end(JSON.stringify(payload));
      p.on('close', (code) => resolve({ code, err }));
    });
    if (r.code !== 0 || r.err.trim()) {
      failures++;
      if (failures <= 3) log(`    stress failure (${event}): exit ${r.code} ${r.err.trim()}`);
    }
  }
  return { failures };
}
