// One scenario: the GIT_* variables git exports into hooks never send sortie to another repository,
// and the temporary index of a partial commit is the one the guard reads.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded, commitCount, gitRun, head, query, stage, startAgent, type Agent } from '../helpers/guard.js';
import { HOOK, makeRepo, toResult, type Result, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let decoy: TempRepo;
let agent: Agent;
let decoyState: { head: string; status: string; commits: unknown[]; activity: unknown[] };

function decoyEnv(): Record<string, string> {
  return { GIT_DIR: join(decoy.dir, '.git'), GIT_WORK_TREE: decoy.dir, GIT_INDEX_FILE: join(decoy.dir, '.git', 'index'), GIT_PREFIX: '' };
}

/** Runs the hook entry as a git hook would, with extra env. */
function hook(name: string, args: string[], env: Record<string, string>): Result {
  return toResult(spawnSync(process.execPath, [HOOK, 'git', name, ...args], { cwd: repo.dir, env: { ...repo.env, ...env }, encoding: 'utf8' }));
}

function snapshot(): typeof decoyState {
  return {
    head: head(decoy),
    status: decoy.git('status', '--porcelain'),
    commits: query(decoy, 'SELECT * FROM commits'),
    activity: query(decoy, 'SELECT kind, task_id FROM activity'),
  };
}

function setStatus(r: TempRepo, file: string, status: string): void {
  r.write(file, r.read(file).replace(/^status: .*$/m, `status: ${status}`));
}

beforeAll(() => {
  repo = makeRepo({ name: 'guard-gitenv' });
  decoy = makeRepo({ name: 'guard-gitenv-decoy' });
  for (const r of [repo, decoy]) expect(r.sortie(['init']).code).toBe(0);
  for (const t of ['Login', 'Signup', 'Profile']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
  expect(decoy.sortie(['task', 'new', 'Decoy task']).code).toBe(0);
  for (const r of [repo, decoy]) {
    r.git('add', '-A');
    r.git('commit', '-q', '-m', 'set up');
  }
  // In the decoy, TASK-1 is claimed by the person and a task file is staged UNDERWAY.
  expect(decoy.sortie(['task', 'claim', 'TASK-1']).code).toBe(0);
  decoy.git('add', '-A');
  agent = startAgent(repo, 'session-env');
  decoyState = snapshot();
});
afterAll(() => {
  repo?.cleanup();
  decoy?.cleanup();
});

describe('GIT_* exported into hooks', () => {
  it('commit-msg with a decoy GIT_DIR / GIT_WORK_TREE judges the real repository', () => {
    const msg = repo.write('.git/MSG', 'TASK-1 change\n');
    const r = hook('commit-msg', [msg], decoyEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TASK-1 "Login"'); // the real repo's task, not "Decoy task"
    expect(r.stderr).toContain('nobody has claimed it'); // in the decoy the person holds it
    expect(query(repo, "SELECT task_id FROM activity WHERE kind = 'commit.blocked'")).toEqual([{ task_id: 'TASK-1' }]);
    expect(snapshot()).toEqual(decoyState);
  });

  it('pre-commit reads the real index, not the decoy GIT_INDEX_FILE', () => {
    const file = '.sortie/tasks/TASK-2-signup.md';
    setStatus(repo, file, 'UNDERWAY');
    repo.git('add', file);
    try {
      const r = hook('pre-commit', [], decoyEnv());
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('TASK-2 "Signup" (named in the staged task file)');
      expect(r.stderr).not.toContain('TASK-1'); // the decoy's staged TASK-1 file is not looked at
    } finally {
      repo.git('reset', '-q', 'HEAD', '--', file);
      repo.git('checkout', '--', file);
    }
    const clean = hook('pre-commit', [], decoyEnv());
    expect(clean.code, clean.stderr).toBe(0);
    expect(snapshot()).toEqual(decoyState);
  });

  it('post-commit records the real HEAD in the real database', () => {
    stage(repo);
    expect(gitRun(repo, ['commit', '-q', '-m', 'TASK-3 recorded by hand'], { env: { SORTIE_SKIP: '1' } }).code).toBe(0);
    const r = hook('post-commit', [], { ...decoyEnv(), ...agent.env });
    expect(r.code, r.stderr).toBe(0);
    expect(query(repo, 'SELECT sha, mission_id, tasks FROM commits')).toEqual([{ sha: head(repo), mission_id: agent.id, tasks: '["TASK-3"]' }]);
    expect(snapshot()).toEqual(decoyState);
  });

  it('a real commit run from a subdirectory with decoy variables in the environment', () => {
    // git itself is pointed at the real repo by -C; the hooks inherit GIT_WORK_TREE/GIT_INDEX_FILE
    // from git, and a stray GIT_PREFIX / GIT_OBJECT_DIRECTORY from the caller must not matter.
    const before = commitCount(repo);
    stage(repo);
    const r = gitRun(repo, ['-C', join(repo.dir, '.sortie'), 'commit', '-q', '-m', 'TASK-1 from a subdirectory'], { env: { ...agent.env, GIT_PREFIX: 'elsewhere/' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sortie task claim TASK-1');
    expect(commitCount(repo)).toBe(before);
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: agent.env }).code).toBe(0);
    const ok = gitRun(repo, ['-C', join(repo.dir, '.sortie'), 'commit', '-q', '-m', 'TASK-1 from a subdirectory'], { env: agent.env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);
    expect(recorded(repo, head(repo), 'mission_id')).toEqual([{ mission_id: agent.id }]);
    expect(snapshot()).toEqual(decoyState);
  });
});

describe('partial commits (git commit <path>: a temporary GIT_INDEX_FILE)', () => {
  const file = '.sortie/tasks/TASK-3-profile.md';
  it('sees an UNDERWAY task file that only the temporary index holds', () => {
    setStatus(repo, file, 'UNDERWAY');
    const before = commitCount(repo);
    const r = gitRun(repo, ['commit', '-q', '-m', 'update profile task', '--', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TASK-3 "Profile" (named in the staged task file)');
    expect(commitCount(repo)).toBe(before);
    const a = gitRun(repo, ['commit', '-q', '-a', '-m', 'update everything']);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain('TASK-3');
    expect(commitCount(repo)).toBe(before);
  });

  it('does not see a staged task file that the partial commit leaves out', () => {
    repo.git('add', file);
    const before = commitCount(repo);
    stage(repo, 'only.txt');
    const r = gitRun(repo, ['commit', '-q', '-m', 'only this file', '--', 'only.txt']);
    expect(r.code, r.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);
    expect(repo.git('show', '--name-only', '--format=', 'HEAD')).toBe('only.txt');
    // The task file is still staged, and a full commit of it is still blocked.
    expect(repo.git('diff', '--cached', '--name-only')).toBe(file);
    const full = gitRun(repo, ['commit', '-q', '-m', 'now the task file']);
    expect(full.code).toBe(1);
    expect(full.stderr).toContain('TASK-3');
    expect(commitCount(repo)).toBe(before + 1);
  });
});
