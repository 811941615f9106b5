// One scenario: installing the git hooks beside a team's own husky hooks, worktrees added after
// init, hook managers sortie must not take over, uninstall, and post-checkout.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recorded, commit, commitCount, gitRun, head, query, startAgent } from '../helpers/guard.js';
import { makeRepo, ROOT, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function fresh(name: string): TempRepo {
  const r = makeRepo({ name });
  repos.push(r);
  return r;
}

const USER_HOOK = '#!/usr/bin/env sh\n# the team\'s own check\necho user-hook-ran >> marker\n';
const PKG = '{\n  "name": "app",\n  "private": true,\n  "scripts": {\n    "test": "echo ok"\n  }\n}\n';

function config(r: TempRepo): string {
  return readFileSync(join(r.dir, '.git', 'config'), 'utf8');
}

function tasks(r: TempRepo, ...titles: string[]): void {
  for (const t of titles) expect(r.sortie(['task', 'new', t]).code).toBe(0);
  r.git('add', '.sortie/tasks');
  r.git('commit', '-q', '-m', 'add tasks');
}

describe('beside an existing husky hook', () => {
  const repo = fresh('guard-husky-user');
  const parent = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-guard-wt-')));
  dirs.push(parent);
  const wt = join(parent, 'wt');

  it("init appends its block to the user's hook, which still runs (its mode kept), and adds the prepare script with a one-line edit", () => {
    repo.write('.husky/pre-commit', USER_HOOK);
    chmodSync(join(repo.dir, '.husky', 'pre-commit'), 0o755);
    repo.write('package.json', PKG);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'team setup');

    const init = repo.sortie(['init']);
    expect(init.code, init.stderr).toBe(0);
    const hook = repo.read('.husky/pre-commit');
    expect(hook.startsWith(USER_HOOK)).toBe(true);
    expect(hook.slice(USER_HOOK.length)).toMatch(/^# >>> sortie [^\n]*\n[\s\S]*# <<< sortie <<<\n$/);
    expect(repo.read('package.json')).toBe(PKG.replace('"echo ok"\n', '"echo ok",\n    "prepare": "sortie prepare || exit 0"\n'));
    expect(statSync(join(repo.dir, '.husky', 'pre-commit')).mode & 0o777).toBe(0o755);
    expect(repo.git('config', '--get', 'core.hooksPath')).toBe(join(repo.dir, '.husky', '_'));
    // Second run: nothing to change.
    expect(repo.sortie(['init']).stdout).toContain('nothing to change');

    tasks(repo, 'Login', 'Signup');
    const before = commitCount(repo);
    const ok = commit(repo, 'plain change');
    expect(ok.code, ok.stderr).toBe(0);
    expect(repo.read('marker')).toBe('user-hook-ran\nuser-hook-ran\n'); // the tasks commit and this one
    const blocked = commit(repo, 'TASK-1 change');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie task claim TASK-1');
    expect(commitCount(repo)).toBe(before + 1);
    expect(repo.read('marker')).toBe('user-hook-ran\n'.repeat(3)); // pre-commit ran, commit-msg blocked
  });

  it('a worktree added after init blocks and passes exactly like the main checkout, on the shared database', () => {
    repo.git('worktree', 'add', '-q', wt, '-b', 'feature');
    const before = commitCount(repo, wt);
    const blocked = commit(repo, 'TASK-1 in the worktree', { cwd: wt });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(blocked.stderr).toContain('sortie task claim TASK-1');
    expect(commitCount(repo, wt)).toBe(before);
    expect(readFileSync(join(wt, 'marker'), 'utf8')).toBe('user-hook-ran\n'); // the user's hook runs there too

    // Claimed from the main checkout, by an agent started there.
    const agent = startAgent(repo, 'session-wt');
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: agent.env }).code).toBe(0);
    const ok = commit(repo, 'TASK-1 in the worktree', { cwd: wt, env: agent.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(commitCount(repo, wt)).toBe(before + 1);
    expect(recorded(repo, head(repo, wt), 'mission_id, branch, tasks')).toEqual([{ mission_id: agent.id, branch: 'feature', tasks: '["TASK-1"]' }]);
    // ...and held against everybody else in the worktree.
    const other = commit(repo, 'TASK-1 by hand', { cwd: wt });
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`held by ${agent.codename} (claude-code)`);
    expect(existsSync(join(wt, '.git', 'sortie'))).toBe(false);
    expect(existsSync(join(repo.dir, '.git', 'worktrees', 'wt', 'sortie'))).toBe(false);
  });

  it('uninstall puts the hook file, package.json and core.hooksPath back as they were', () => {
    gitRun(repo, ['worktree', 'remove', '--force', wt]);
    const un = repo.sortie(['uninstall']);
    expect(un.code, un.stderr).toBe(0);
    expect(repo.read('.husky/pre-commit')).toBe(USER_HOOK);
    expect(statSync(join(repo.dir, '.husky', 'pre-commit')).mode & 0o777).toBe(0o755);
    expect(repo.read('package.json')).toBe(PKG);
    expect(gitRun(repo, ['config', '--get', 'core.hooksPath']).stdout).toBe('');
    for (const h of ['commit-msg', 'post-commit', 'post-checkout']) expect(existsSync(join(repo.dir, '.husky', h))).toBe(false);
    expect(existsSync(join(repo.dir, '.husky', '_'))).toBe(false);
  });
});

describe('a husky set up before sortie', () => {
  const repo = fresh('guard-husky-before');
  it('keeps core.hooksPath relative after uninstall, as husky left it', () => {
    repo.write('package.json', '{\n  "name": "app",\n  "scripts": {\n    "prepare": "husky"\n  }\n}\n');
    repo.write('.husky/pre-commit', USER_HOOK);
    execFileSync(process.execPath, [join(ROOT, 'node_modules', 'husky', 'bin.js')], { cwd: repo.dir, env: repo.env });
    expect(repo.git('config', '--get', 'core.hooksPath')).toBe('.husky/_');
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'team setup');
    expect(repo.read('marker')).toBe('user-hook-ran\n');

    const pkg = repo.read('package.json');
    expect(repo.sortie(['init']).code).toBe(0);
    // The project's own husky first (it resets core.hooksPath to relative), then sortie's.
    expect(repo.read('package.json')).toBe(pkg.replace('"husky"', '"husky && (sortie prepare || exit 0)"'));
    expect(repo.git('config', '--get', 'core.hooksPath')).toBe(join(repo.dir, '.husky', '_'));
    tasks(repo, 'Login');
    expect(commit(repo, 'TASK-1 change').code).toBe(1);

    expect(repo.sortie(['uninstall']).code).toBe(0);
    expect(repo.read('package.json')).toBe(pkg);
    expect(repo.git('config', '--get', 'core.hooksPath')).toBe('.husky/_');
    expect(repo.read('.husky/pre-commit')).toBe(USER_HOOK);
    expect(readdirSync(join(repo.dir, '.husky', '_'))).toContain('h');
    const r = commit(repo, 'TASK-1 change');
    expect(r.code, r.stderr).toBe(0); // sortie is gone; the user's hook still runs
    expect(repo.read('marker')).toBe('user-hook-ran\n'.repeat(4));
  });
});

describe('a repository without package.json', () => {
  const repo = fresh('guard-nopkg');
  it('gets working hooks and no package.json', () => {
    const init = repo.sortie(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(existsSync(join(repo.dir, 'package.json'))).toBe(false);
    tasks(repo, 'Login');
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-1 change');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sortie task claim TASK-1');
    expect(repo.sortie(['task', 'claim', 'TASK-1']).code).toBe(0);
    const ok = commit(repo, 'TASK-1 change');
    expect(ok.code, ok.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);
  });
});

describe('another hook manager in charge', () => {
  it('core.hooksPath elsewhere: init refuses the git hooks, prints the choices, changes nothing there', () => {
    const repo = fresh('guard-hookspath');
    repo.write('.githooks/pre-commit', '#!/bin/sh\nexit 0\n');
    repo.git('config', 'core.hooksPath', '.githooks');
    const before = config(repo);
    const r = repo.sortie(['init']);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('a custom hooks folder (core.hooksPath = .githooks) (installed) manages this repository\'s git hooks: nothing was written');
    expect(out).toContain('sortie init --wire');
    expect(out).toContain('sortie init --no-git');
    expect(out).not.toContain(repo.dir);
    expect(existsSync(join(repo.dir, '.sortierc.json'))).toBe(false);
    expect(config(repo)).toBe(before);
    expect(existsSync(join(repo.dir, '.husky'))).toBe(false);
    expect(repo.read('.githooks/pre-commit')).toBe('#!/bin/sh\nexit 0\n');
  });

  it('hooks in .git/hooks: init refuses likewise', () => {
    const repo = fresh('guard-githooks');
    const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
    mkdirSync(join(repo.dir, '.git', 'hooks'), { recursive: true });
    writeFileSync(hook, '#!/bin/sh\necho legacy >> legacy-marker\n', { mode: 0o755 });
    const before = config(repo);
    const r = repo.sortie(['init']);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('hand-made hooks in .git/hooks (pre-commit)');
    expect(out).toContain('sortie init --wire');
    expect(readdirSync(repo.dir).sort()).toEqual(['.git', 'README.md']);
    expect(config(repo)).toBe(before);
    expect(existsSync(join(repo.dir, '.husky'))).toBe(false);
    // The legacy hook still runs.
    expect(commit(repo, 'plain').code).toBe(0);
    expect(repo.read('legacy-marker')).toBe('legacy\n');
  });
});

describe('hand-made hooks in .git/hooks, wired with --wire', () => {
  it('appends sortie to each hook (the mode kept, new ones executable): blocked on an unclaimed task, the old hook still runs; uninstall restores them', () => {
    const repo = fresh('guard-githooks-wire');
    const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
    const LEGACY = '#!/bin/sh\necho legacy >> legacy-marker\n';
    writeFileSync(hook, LEGACY, { mode: 0o750 });
    const init = repo.sortie(['init', '--wire']);
    expect(init.code, init.stderr).toBe(0);
    expect(statSync(hook).mode & 0o777).toBe(0o750);
    expect(readFileSync(hook, 'utf8').startsWith(LEGACY)).toBe(true);
    expect(statSync(join(repo.dir, '.git', 'hooks', 'commit-msg')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(repo.dir, '.husky'))).toBe(false);
    tasks(repo, 'Login');
    const blocked = commit(repo, 'TASK-1 change');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(repo.read('legacy-marker')).toContain('legacy');
    expect(repo.sortie(['uninstall']).code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toBe(LEGACY);
    expect(statSync(hook).mode & 0o777).toBe(0o750);
    expect(existsSync(join(repo.dir, '.git', 'hooks', 'commit-msg'))).toBe(false);
  });
});

describe('post-checkout', () => {
  const repo = fresh('guard-checkout');
  it("prints the claim state of the task a new branch names, and records the branch on an agent's mission", () => {
    expect(repo.sortie(['init']).code).toBe(0);
    tasks(repo, 'Login', 'Signup');
    const person = gitRun(repo, ['checkout', '-b', 'TASK-2-x']);
    expect(person.code).toBe(0);
    expect(person.stderr).toContain('sortie: TASK-2 is not claimed; before committing on it: sortie task claim TASK-2');
    gitRun(repo, ['checkout', '-q', 'main']);

    const agent = startAgent(repo, 'session-co');
    expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: agent.env }).code).toBe(0);
    const r = gitRun(repo, ['checkout', '-b', 'TASK-2-y'], { env: agent.env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`sortie: TASK-2 is yours (${agent.codename})`);
    expect(query(repo, 'SELECT branch, worktree FROM missions WHERE id = ?', agent.id)).toEqual([{ branch: 'TASK-2-y', worktree: repo.dir }]);
    expect(query(repo, "SELECT COUNT(*) AS n FROM activity WHERE kind = 'mission.branch' AND mission_id = ?", agent.id)).toEqual([{ n: 1 }]);
    // Seen by someone else: held.
    const other = gitRun(repo, ['checkout', '-b', 'TASK-2-z']);
    expect(other.stderr).toContain(`sortie: TASK-2 is held by ${agent.codename} (claude-code)`);
    // A file checkout is not a branch change: nothing printed.
    const file = gitRun(repo, ['checkout', '--', 'README.md']);
    expect(file.stderr).toBe('');
  });
});
