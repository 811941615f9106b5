// Builds the large repository the benchmark runs against: task files, and a database full of history.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

const STATUSES = ['TODO', 'TODO', 'TODO', 'UNDERWAY', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'COMPLETE', 'ABORTED'];
const PRIORITIES = ['critical', 'high', 'medium', 'medium', 'low'];
const WORDS = 'login redirect cache token session schema index parser render button modal retry queue worker upload export import search filter billing invoice'.split(' ');

/** Deterministic pseudo-random numbers, so every run builds the same repository. */
export function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

export function gitEnv() {
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if ((k.startsWith('GIT_') && !k.startsWith('GIT_CONFIG')) || k.startsWith('SORTIE_') || k.startsWith('CLAUDE')) delete env[k];
  return env;
}

export function git(dir, ...args) {
  return execFileSync('git', args, { cwd: dir, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function initRepo(dir) {
  mkdirSync(dir, { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.name', 'Bench Person');
  git(dir, 'config', 'user.email', 'bench@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  git(dir, 'config', 'gc.auto', '0');
}

/** n task files with varied statuses, priorities, dependencies and bodies of a few KB. */
export function writeTasks(dir, n, seed = 1, out = []) {
  const r = rng(seed);
  const tasksDir = join(dir, '.sortie', 'tasks');
  mkdirSync(tasksDir, { recursive: true });
  const pick = (a) => a[Math.floor(r() * a.length)];
  for (let i = 1; i <= n; i++) {
    const id = `TASK-${i}`;
    const title = `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} #${i}`;
    const deps = i > 10 && r() < 0.3 ? [`TASK-${1 + Math.floor(r() * (i - 1))}`] : [];
    const para = () => Array.from({ length: 40 }, () => pick(WORDS)).join(' ') + '.';
    const body = [`## Context`, para(), para(), `## Acceptance`, ...Array.from({ length: 6 }, () => `- ${para()}`), `## Notes`, para(), para(), para()].join('\n\n');
    const fm = ['---', `id: ${id}`, `title: ${title}`, `status: ${pick(STATUSES)}`, `priority: ${pick(PRIORITIES)}`, `labels: [${pick(WORDS)}, ${pick(WORDS)}]`];
    if (deps.length) fm.push(`depends_on: [${deps.join(', ')}]`);
    const status = fm[3].slice(8);
    out.push({ id, n: i, title, status, priority: fm[4].slice(10), labels: fm[5].slice(9, -1).split(', '), dependsOn: deps, body });
    fm.push(`created: 2026-01-01T00:00:00.000Z`, '---', '', body, '');
    writeFileSync(join(tasksDir, `${id}.md`), fm.join('\n'));
  }
  return tasksDir;
}

/** Past missions (all ended), activity and commits, inserted straight into a migrated database. */
export function fillHistory(dbFile, { missions, activity, commits }, seed = 2) {
  const r = rng(seed);
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const span = Date.parse('2026-11-01T00:00:00Z') - t0;
  const at = (i, n) => new Date(t0 + Math.floor((i / n) * span)).toISOString();
  const base = db.prepare('SELECT COALESCE(MAX(id), 0) FROM missions').pluck().get();
  const insM = db.prepare(`INSERT INTO missions (id, codename, kind, agent, session_id, branch, pid, started_at, last_seen_at, ended_at, end_reason, summary)
    VALUES (?, ?, 'agent', ?, ?, 'main', NULL, ?, ?, ?, ?, ?)`);
  const agents = ['claude-code', 'claude-code', 'codex', 'gemini-cli'];
  db.transaction(() => {
    for (let i = 1; i <= missions; i++) {
      const s = at(i, missions);
      insM.run(base + i, `past-${base + i}`, agents[i % 4], `past-session-${base + i}`, s, s, s, r() < 0.2 ? 'abandoned' : 'other', 'Tasks: none.');
    }
  })();
  const insA = db.prepare('INSERT INTO activity (at, kind, mission_id, agent, task_id, detail) VALUES (?, ?, ?, ?, ?, ?)');
  const kinds = ['task.claimed', 'task.released', 'task.status', 'commit.recorded', 'mission.started', 'mission.ended'];
  const batch = 100_000;
  for (let b = 0; b < activity; b += batch) {
    db.transaction(() => {
      for (let i = b; i < Math.min(activity, b + batch); i++) {
        insA.run(at(i, activity), kinds[i % kinds.length], base + 1 + (i % missions), agents[i % 4], `TASK-${1 + (i % 10000)}`, '{"bench":true}');
      }
    })();
  }
  const insC = db.prepare('INSERT INTO commits (sha, mission_id, at, branch, subject, tasks) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 1; i <= commits; i++) insC.run(i.toString(16).padStart(40, '0'), base + 1 + (i % missions), at(i, commits), 'main', `TASK-${1 + (i % 10000)} past commit ${i}`, `["TASK-${1 + (i % 10000)}"]`);
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * Beside the tasks, the shape parallel agents give a clone: `branches` branches not checked out,
 * each main plus one commit (three tasks finished there, one task of its own), made with git
 * plumbing so no checkout is needed; then `worktrees` worktrees, each on a branch of its own (real
 * checkouts: `git worktree add`, which runs the installed post-checkout hook in each).
 */
export function addCheckoutShape(dir, { worktrees, branches, tasks, seed = 3 }) {
  const r = rng(seed);
  const tasksDir = join(dir, '.sortie', 'tasks');
  const head = git(dir, 'rev-parse', 'HEAD');
  const lsTree = (treeish) => git(dir, 'ls-tree', treeish).split('\n').filter(Boolean);
  const taskEntries = lsTree('HEAD:.sortie/tasks');
  const sortieEntries = lsTree('HEAD:.sortie');
  const rootEntries = lsTree('HEAD');
  const mktree = (lines) => execFileSync('git', ['mktree'], { cwd: dir, env: gitEnv(), input: `${lines.join('\n')}\n`, encoding: 'utf8' }).trim();
  const replace = (entries, name, sha) => entries.map((l) => (l.endsWith(`\t${name}`) ? l.replace(/ tree [0-9a-f]+\t/, ` tree ${sha}\t`) : l));
  const tmp = join(dir, '.git', 'bench-shape');
  mkdirSync(tmp, { recursive: true });
  for (let b = 1; b <= branches; b++) {
    const changed = new Map();
    for (let k = 0; k < 3; k++) {
      const n = 1 + Math.floor(r() * tasks);
      const name = `TASK-${n}.md`;
      const text = readFileSync(join(tasksDir, name), 'utf8').replace(/^status: .*$/m, 'status: COMPLETE');
      changed.set(name, text);
    }
    const id = `TASK-${tasks + b}`;
    changed.set(`${id}.md`, `---\nid: ${id}\ntitle: made on branch ${b}\nstatus: TODO\npriority: medium\ncreated: 2026-02-01T00:00:00.000Z\n---\n\nBranch work.\n`);
    const names = [...changed.keys()];
    const files = names.map((name, i) => {
      const f = join(tmp, `${i}.md`);
      writeFileSync(f, changed.get(name));
      return f;
    });
    const shas = git(dir, 'hash-object', '-w', ...files).split('\n');
    const byName = new Map(names.map((n, i) => [n, shas[i]]));
    const entries = taskEntries.filter((l) => !byName.has(l.slice(l.indexOf('\t') + 1)));
    for (const [name, sha] of byName) entries.push(`100644 blob ${sha}\t${name}`);
    const tasksTree = mktree(entries);
    const sortieTree = mktree(replace(sortieEntries, 'tasks', tasksTree));
    const rootTree = mktree(replace(rootEntries, '.sortie', sortieTree));
    const commit = git(dir, 'commit-tree', rootTree, '-p', head, '-m', `work on branch ${b}`);
    git(dir, 'update-ref', `refs/heads/bench-branch-${b}`, commit);
  }
  rmSync(tmp, { recursive: true, force: true });
  const trees = [];
  for (let w = 1; w <= worktrees; w++) {
    const path = join(dirname(dir), `wt-${w}`);
    git(dir, 'worktree', 'add', '-q', '-b', `bench-wt-${w}`, path, 'HEAD');
    trees.push(path);
  }
  return trees;
}
