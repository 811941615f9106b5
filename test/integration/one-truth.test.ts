// One scenario, in steps that build on each other: a clone whose main checkout (on `main`) and a
// worktree (on `feat`) share .git/sortie/sortie.db, with branches not checked out and a remote.
// The three failures, ids made at the same instant in both worktrees, a task finished on
// an unmerged branch, a real merge bringing it to main, a task finished in another clone, a
// person's reopen, an id collision found by doctor and fixed by `task renumber`, and hooks that
// read all of it without running git.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { commit, gitRun, startAgent, type Agent } from '../helpers/guard.js';
import { BIN, HOOK, dbOf, makeRepo, runAsync, taskFile } from '../helpers/repo.js';

const repo = makeRepo({ name: 'one-truth' });
const parent = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-one-truth-')));
const wt = join(parent, 'feat');
const dbFile = dbOf(repo);
afterAll(() => {
  repo.cleanup();
  rmSync(parent, { recursive: true, force: true });
});

const main = (args: string[], env: Record<string, string | undefined> = {}) => repo.sortie(args, { env });
const inWt = (args: string[], env: Record<string, string | undefined> = {}) => repo.sortie(args, { cwd: wt, env });
const git = (args: string[], cwd = repo.dir, env: Record<string, string | undefined> = {}) => gitRun(repo, args, { cwd, env });
const listed = (r: ReturnType<typeof main>, id: string) => r.json().tasks.find((t: { id: string }) => t.id === id);
const filesIn = (dir: string) => readdirSync(join(dir, '.sortie', 'tasks')).filter((n) => n.endsWith('.md'));
const activity = (task: string, kind: string) => inspect(dbFile, (d) => d.prepare('SELECT COUNT(*) FROM activity WHERE task_id = ? AND kind = ?').pluck().get(task, kind)) as number;

/** The SessionStart hook as Claude Code runs it; returns the injected context. */
function sessionStart(cwd: string, sid: string, env: Record<string, string> = {}): string {
  const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
    cwd,
    env: { ...repo.env, CLAUDE_PROJECT_DIR: cwd, ...env },
    input: JSON.stringify({ session_id: sid, cwd, hook_event_name: 'SessionStart', source: 'startup' }),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout).hookSpecificOutput.additionalContext as string;
}

let agent: Agent;
let base: string;

beforeAll(() => {
  expect(main(['init']).code).toBe(0);
  expect(main(['task', 'new', 'One']).code).toBe(0);
  expect(main(['task', 'new', 'Two']).code).toBe(0);
  git(['add', '-A']);
  expect(git(['commit', '-q', '-m', 'Set up sortie and two tasks']).code).toBe(0);
  base = git(['rev-parse', 'HEAD']).stdout.trim();
  expect(git(['worktree', 'add', '-q', '-b', 'feat', wt]).code).toBe(0);
  agent = startAgent(repo, 'agent-in-feat', wt);
});

describe('one truth in every checkout', () => {
  it('1. task new in the worktree and in main: two ids; a claim on one is on that task from either checkout', () => {
    const a = inWt(['task', 'new', 'Made on feat', '--json']).json().task.id;
    const b = main(['task', 'new', 'Made on main', '--json']).json().task.id;
    expect([a, b]).toEqual(['TASK-3', 'TASK-4']);
    expect(filesIn(wt)).toContain('TASK-3-made-on-feat.md');
    expect(filesIn(repo.dir)).toContain('TASK-4-made-on-main.md');

    expect(inWt(['task', 'claim', 'TASK-3'], agent.missionEnv).code).toBe(0);
    const seen = main(['task', 'show', 'TASK-3', '--json']).json();
    expect(seen.task).toMatchObject({ id: 'TASK-3', title: 'Made on feat', status: 'UNDERWAY', path: null });
    expect(seen.task.holder).toMatchObject({ mission: agent.id, codename: agent.codename });
    expect(seen.origin).toMatchObject({ branch: 'feat', merged: false, here: null });
    const other = main(['task', 'show', 'TASK-4', '--json']).json();
    expect(other.task).toMatchObject({ title: 'Made on main', status: 'TODO' });
    expect(other.task.holder).toBeNull();
    // The claim is the same row whichever checkout reads it.
    expect(listed(main(['task', 'list', '--json']), 'TASK-3')).toMatchObject({ title: 'Made on feat', holder: { codename: agent.codename } });
    expect(listed(inWt(['task', 'list', '--json']), 'TASK-3')).toMatchObject({ title: 'Made on feat', holder: { codename: agent.codename } });
    expect(main(['task', 'show', 'TASK-3']).stdout).toContain('not in this checkout');
  });

  it('2. creators in the two worktrees at the same instant get distinct ids', async () => {
    const runs = Array.from({ length: 8 }, (_, i) =>
      runAsync(process.execPath, [BIN, 'task', 'new', `Parallel ${i}`, '--json'], { cwd: i % 2 ? wt : repo.dir, env: repo.env }),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ids = results.map((r) => r.json().task.id as string);
    expect(new Set(ids).size).toBe(8);
    for (const id of ids) expect(['TASK-1', 'TASK-2', 'TASK-3', 'TASK-4']).not.toContain(id);
    // Each file is in its creator's checkout only.
    results.forEach((r, i) => {
      const id = r.json().task.id as string;
      const mine = filesIn(i % 2 ? wt : repo.dir).filter((n) => n.startsWith(`${id}-`));
      const theirs = filesIn(i % 2 ? repo.dir : wt).filter((n) => n.startsWith(`${id}-`));
      expect([mine.length, theirs.length]).toEqual([1, 0]);
    });
  });

  it('3. a task finished in the worktree, not merged: COMPLETE on feat from main, neither ready nor claimable there', () => {
    expect(inWt(['task', 'claim', 'TASK-2'], agent.missionEnv).code).toBe(0);
    expect(inWt(['task', 'done', 'TASK-2'], agent.missionEnv).code).toBe(0);
    expect(repo.read('.sortie/tasks/TASK-2-two.md')).toContain('status: TODO'); // main's own file is untouched

    expect(listed(main(['task', 'list', '--all', '--json']), 'TASK-2')).toMatchObject({ status: 'COMPLETE', origin: { branch: 'feat', merged: false, here: 'TODO' } });
    expect(main(['task', 'list', '--all']).stdout).toMatch(/TASK-2\s+COMPLETE .*on feat \(not merged into main\)/);
    expect(main(['task', 'show', 'TASK-2']).stdout).toContain('status COMPLETE on feat (not merged into main)');
    expect(main(['ready', '--json']).json().ready.map((t: { id: string }) => t.id)).not.toContain('TASK-2');
    expect(main(['next', '--json']).json().task.id).not.toBe('TASK-2');

    const claim = main(['task', 'claim', 'TASK-2', '--json']);
    expect(claim.code).toBe(1);
    expect(claim.json().error).toMatchObject({ code: 'NOT_CLAIMABLE', status: 'COMPLETE', origin: 'feat' });
    expect(claim.json().error.message).toContain('TASK-2 is COMPLETE on feat (not merged into main)');
    expect(activity('TASK-2', 'task.claimed')).toBe(1); // the worktree's claim, and nothing after
    // The commit guard reads the same state: a commit on main naming TASK-2 is told where it was finished.
    const c = commit(repo, 'TASK-2: polish');
    expect(c.code).toBe(0); // closed tasks warn under the default preset
    expect(c.stderr).toContain('TASK-2 is COMPLETE on feat (not merged into main)');
  });

  it("4. a task the worktree's mission holds is not offered as ready in main (status, ready, the injected context)", () => {
    expect(inWt(['task', 'claim', 'TASK-1'], agent.missionEnv).code).toBe(0);
    const s = main(['status', '--json']).json();
    expect(s.ready.map((t: { id: string }) => t.id)).not.toContain('TASK-1');
    expect(s.missions.find((m: { id: number }) => m.id === agent.id).claims.map((h: { task: string }) => h.task)).toEqual(['TASK-3', 'TASK-1']);
    expect(main(['ready', '--json']).json().ready.map((t: { id: string }) => t.id)).not.toContain('TASK-1');
    const context = sessionStart(repo.dir, 'agent-in-main');
    const pick = context.slice(context.indexOf('## Tasks to pick from'), context.indexOf('## Other missions'));
    expect(pick).not.toMatch(/TASK-[123] /);
    expect(pick).toContain('TASK-4 Made on main');
    expect(context).toContain(`${agent.codename} (claude-code, feat): holds TASK-3, TASK-1`);
    const other = main(['task', 'claim', 'TASK-1', '--json']);
    expect(other.json().error).toMatchObject({ code: 'CLAIM_HELD', holder: { codename: agent.codename } });
  });

  it("5. hooks see other worktrees' files without git: a task written by hand in feat shows in main's context", () => {
    writeFileSync(join(wt, '.sortie', 'tasks', 'TASK-80-hand-made.md'), taskFile('TASK-80', { title: 'Hand made in feat', status: 'TODO', priority: 'critical' }));
    const context = sessionStart(repo.dir, 'agent-in-main-2');
    expect(context).toContain('- TASK-80 Hand made in feat [critical, on feat (not on main)]');
  });

  it('6. a real merge brings the finished state to main with no conflict while other tasks changed on main', () => {
    // feat: the agent's work and its task files, committed (its claim on TASK-1 covers the staged file).
    git(['add', '-A'], wt);
    const onFeat = git(['commit', '-q', '-m', 'Work on feat'], wt, agent.missionEnv);
    expect(onFeat.code, onFeat.stderr).toBe(0);
    // main meanwhile: a claim and a finish, an edit, a new task, committed.
    expect(main(['task', 'claim', 'TASK-4']).code).toBe(0);
    expect(main(['task', 'done', 'TASK-4']).code).toBe(0);
    const parallel = filesIn(repo.dir).find((n) => n.includes('parallel'))!;
    const editId = parallel.split('-').slice(0, 2).join('-');
    expect(main(['task', 'edit', editId, '--title', 'Edited on main', '-p', 'high']).code).toBe(0);
    expect(main(['task', 'new', 'Later on main']).code).toBe(0);
    git(['add', '-A']);
    expect(git(['commit', '-q', '-m', 'Work on main']).code).toBe(0);

    const merge = git(['merge', '--no-edit', 'feat']);
    expect(merge.code, merge.stdout + merge.stderr).toBe(0);
    expect(git(['diff', '--name-only', '--diff-filter=U']).stdout.trim()).toBe('');
    expect(repo.read('.sortie/tasks/TASK-2-two.md')).toContain('status: COMPLETE');
    expect(repo.read('.sortie/tasks/TASK-4-made-on-main.md')).toContain('status: COMPLETE');
    const shown = main(['task', 'show', 'TASK-2', '--json']).json();
    expect(shown.task).toMatchObject({ status: 'COMPLETE', path: '.sortie/tasks/TASK-2-two.md' });
    expect(shown.origin).toBeNull(); // main's own file says so now
    expect(main(['task', 'show', 'TASK-3', '--json']).json().task).toMatchObject({ status: 'UNDERWAY', path: '.sortie/tasks/TASK-3-made-on-feat.md' });
  });

  it('7. a task finished in another clone and fetched: COMPLETE on origin/other, not claimable; its id is never handed out again', () => {
    const remote = join(parent, 'remote.git');
    expect(spawnSync('git', ['init', '-q', '--bare', '-b', 'main', remote], { env: repo.env }).status).toBe(0);
    git(['remote', 'add', 'origin', remote]);
    expect(git(['push', '-q', 'origin', 'main']).code).toBe(0);
    const clone = join(parent, 'clone');
    expect(spawnSync('git', ['clone', '-q', remote, clone], { env: repo.env }).status).toBe(0);
    const inClone = (...args: string[]) => spawnSync('git', ['-c', 'user.name=Other', '-c', 'user.email=other@example.com', '-c', 'core.hooksPath=/dev/null', ...args], { cwd: clone, env: repo.env, encoding: 'utf8' });
    writeFileSync(join(clone, '.sortie', 'tasks', 'TASK-60-from-the-other-clone.md'), taskFile('TASK-60', { title: 'From the other clone', status: 'COMPLETE', created: '2026-01-01T00:00:00.000Z' }));
    expect(inClone('checkout', '-q', '-b', 'other').status).toBe(0);
    expect(inClone('add', '-A').status).toBe(0);
    expect(inClone('commit', '-q', '-m', 'Finished over there').status).toBe(0);
    expect(inClone('push', '-q', 'origin', 'other').status).toBe(0);
    expect(git(['fetch', '-q', 'origin']).code).toBe(0);

    expect(listed(main(['task', 'list', '--all', '--json']), 'TASK-60')).toMatchObject({ title: 'From the other clone', status: 'COMPLETE', origin: { branch: 'origin/other', here: null } });
    expect(main(['task', 'claim', 'TASK-60', '--json']).json().error).toMatchObject({ code: 'NOT_CLAIMABLE', origin: 'origin/other' });
    const next = main(['task', 'new', 'After the fetch', '--json']).json().task.id as string;
    expect(Number(next.split('-')[1])).toBeGreaterThan(80);
  });

  it('8. only a person reopens a closed task, and the reopen is recorded; then it is ready again', () => {
    const byAgent = inWt(['task', 'reopen', 'TASK-60', '--json'], agent.missionEnv);
    expect(byAgent.code).toBe(1);
    expect(byAgent.json().error.message).toContain('only a person can reopen');
    expect(inWt(['task', 'claim', 'TASK-60', '--force', '--json'], agent.missionEnv).json().error.code).toBe('NOT_CLAIMABLE');

    const byPerson = main(['task', 'reopen', 'TASK-60', '--note', 'not done after all', '--json']);
    expect(byPerson.code, byPerson.stdout).toBe(0);
    expect(byPerson.json()).toMatchObject({ task: { id: 'TASK-60', status: 'TODO', path: null, holder: null }, from: 'COMPLETE', on: 'origin/other' });
    expect(activity('TASK-60', 'task.reopened')).toBe(1);
    expect(main(['ready', '--json']).json().ready.map((t: { id: string }) => t.id)).toContain('TASK-60');
    // Claimed from main, where the task has no file: recorded for every checkout, nothing written here.
    const claim = main(['task', 'claim', 'TASK-60', '--json']);
    expect(claim.json()).toMatchObject({ task: { id: 'TASK-60', status: 'UNDERWAY', path: null, holder: { task: 'TASK-60' } }, already: false, here: false });
    expect(existsSync(join(repo.dir, '.sortie', 'tasks', 'TASK-60-from-the-other-clone.md'))).toBe(false);
    expect(listed(main(['task', 'list', '--json']), 'TASK-60')).toMatchObject({ status: 'UNDERWAY', path: null });
    expect(inWt(['task', 'show', 'TASK-60', '--json']).json().task.holder).not.toBeNull();
  });

  it('9. doctor finds an id that names two tasks (files and branches) and `task renumber` fixes it', () => {
    // A branch made before TASK-4 existed on main, with its own TASK-4 and a task depending on it.
    const legacyDir = join(parent, 'legacy');
    expect(git(['worktree', 'add', '-q', '-b', 'legacy', legacyDir, base]).code).toBe(0);
    const tasksDir = join(legacyDir, '.sortie', 'tasks');
    writeFileSync(join(tasksDir, 'TASK-4-legacy-thing.md'), taskFile('TASK-4', { title: 'Legacy thing', status: 'TODO', created: '2025-06-01T00:00:00.000Z' }));
    writeFileSync(join(tasksDir, 'TASK-70-legacy-child.md'), taskFile('TASK-70', { title: 'Legacy child', status: 'TODO', depends_on: '[TASK-4]', created: '2025-06-02T00:00:00.000Z' }));
    git(['add', '-A'], legacyDir);
    expect(git(['commit', '-q', '-m', 'Legacy work'], legacyDir, { SORTIE_SKIP: '1' }).code).toBe(0);
    expect(git(['worktree', 'remove', legacyDir]).code).toBe(0);

    const doctor = main(['doctor', '--json']);
    expect(doctor.code).toBe(1);
    const found = doctor.json().findings.filter((f: { check: string; level: string }) => f.check === 'task ids' && f.level === 'error');
    expect(found).toHaveLength(1);
    expect(found[0].message).toBe(
      'TASK-4 names 2 different tasks: "Legacy thing" (.sortie/tasks/TASK-4-legacy-thing.md on legacy) and "Made on main" (.sortie/tasks/TASK-4-made-on-main.md on main, .sortie/tasks/TASK-4-made-on-main.md on origin/main (remote-tracking))',
    );
    expect(found[0].fix).toContain('after `git switch legacy`: sortie task renumber TASK-4');
    const claim = main(['task', 'claim', 'TASK-4', '--json']);
    expect(claim.json().error.code).toBe('ID_COLLISION');

    expect(git(['worktree', 'add', '-q', legacyDir, 'legacy']).code).toBe(0);
    const r = repo.sortie(['task', 'renumber', 'TASK-4', '--json'], { cwd: legacyDir });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const { to } = r.json();
    expect(r.json()).toMatchObject({ from: 'TASK-4', path: `.sortie/tasks/${to}-legacy-thing.md`, rewritten: ['.sortie/tasks/TASK-70-legacy-child.md'], collidedWith: ['main', 'origin/main'] });
    expect(readFileSync(join(tasksDir, `${to}-legacy-thing.md`), 'utf8')).toContain(`id: ${to}\n`);
    expect(readFileSync(join(tasksDir, 'TASK-70-legacy-child.md'), 'utf8')).toContain(`depends_on: [${to}]`);
    expect(repo.read('.sortie/tasks/TASK-4-made-on-main.md')).toContain('id: TASK-4\n'); // main's task keeps its id
    git(['add', '-A'], legacyDir);
    expect(git(['commit', '-q', '-m', 'Renumber a task whose id was taken on another branch'], legacyDir).code).toBe(0);
    expect(main(['doctor', '--json']).json().findings.find((f: { check: string }) => f.check === 'task ids')).toMatchObject({ level: 'ok' });
  });

  it('10. no hook runs git to read other checkouts: SessionStart, heartbeat and SessionEnd with worktrees and branches around', () => {
    const bin = join(parent, 'spy-bin');
    const log = join(parent, 'git-calls.log');
    mkdirSync(bin, { recursive: true });
    const realGit = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> "${log}"\nexec "${realGit}" "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const hook = (event: string, payload: object) =>
      spawnSync(process.execPath, [HOOK, 'claude-code', event], { cwd: repo.dir, env: { ...repo.env, ...env, CLAUDE_PROJECT_DIR: repo.dir }, input: JSON.stringify({ cwd: repo.dir, hook_event_name: event, ...payload }), encoding: 'utf8' });
    expect(sessionStart(repo.dir, 'spied', env)).toContain('## Tasks to pick from');
    expect(hook('UserPromptSubmit', { session_id: 'spied', prompt: 'hi' }).status).toBe(0);
    expect(hook('SessionEnd', { session_id: 'spied', reason: 'other' }).status).toBe(0);
    expect(existsSync(log) ? readFileSync(log, 'utf8') : '').toBe('');
    // The spy works: a command refreshes the branches through git.
    expect(repo.sortie(['task', 'list'], { env }).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain('for-each-ref');
  });
});
