// One scenario: history operations through the guard: merges, fixup/squash commits, rebases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recorded, commit, commitCount, gitRun, head, query, stage, startAgent, type Agent } from '../helpers/guard.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let a: Agent;
let b: Agent;

beforeAll(() => {
  repo = makeRepo({ name: 'guard-history' });
  expect(repo.sortie(['init']).code).toBe(0);
  for (const t of ['Login', 'Signup', 'Profile']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie and tasks');
  a = startAgent(repo, 'session-a');
  b = startAgent(repo, 'session-b');
});
afterAll(() => repo?.cleanup());

describe('history operations', () => {
  it('a merge of a branch named after a task someone else holds passes', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-2'], { env: a.env }).code).toBe(0);
    expect(gitRun(repo, ['checkout', '-q', '-b', 'TASK-2-signup'], { env: a.env }).code).toBe(0);
    expect(commit(repo, 'TASK-2 signup form', { env: a.env, args: [] }).code).toBe(0);
    expect(gitRun(repo, ['checkout', '-q', 'main']).code).toBe(0);
    stage(repo, 'other.txt');
    expect(gitRun(repo, ['commit', '-q', '-m', 'unrelated on main']).code).toBe(0);

    const before = commitCount(repo);
    // Agent B merges: the merge message names TASK-2-signup, held by A.
    const m = gitRun(repo, ['merge', '--no-ff', '--no-edit', 'TASK-2-signup'], { env: b.env });
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).not.toContain('blocked');
    expect(commitCount(repo)).toBe(before + 2); // the branch's commit and the merge
    expect(repo.git('log', '-1', '--format=%P').split(' ')).toHaveLength(2);
    expect(repo.git('log', '-1', '--format=%s')).toBe("Merge branch 'TASK-2-signup'");
    // A plain commit by B on TASK-2 is still blocked afterwards.
    const r = commit(repo, 'TASK-2 more', { env: b.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`held by ${a.codename}`);
  });

  it('a --fixup / --squash commit of a commit naming a task is guarded like any commit naming it', () => {
    const claim = repo.sortie(['task', 'claim', 'TASK-1'], { env: a.env });
    expect(claim.code, claim.stderr).toBe(0);
    expect(commit(repo, 'TASK-1 login form', { env: a.env }).code).toBe(0);
    const target = head(repo);
    expect(repo.sortie(['task', 'release', 'TASK-1'], { env: a.env }).code).toBe(0);
    repo.git('checkout', '--', '.sortie/tasks');

    const before = commitCount(repo);
    for (const how of [`--fixup=${target}`, `--squash=${target}`]) {
      stage(repo);
      const r = gitRun(repo, ['commit', '-q', how, ...(how.startsWith('--squash') ? ['--no-edit'] : [])], { env: a.env });
      expect(r.code, how).toBe(1);
      expect(r.stderr).toContain('sortie: commit blocked (commit-msg)');
      expect(r.stderr).toContain('sortie task claim TASK-1');
    }
    expect(commitCount(repo)).toBe(before);

    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: a.env }).code).toBe(0);
    const fixup = gitRun(repo, ['commit', '-q', `--fixup=${target}`], { env: a.env });
    expect(fixup.code, fixup.stderr).toBe(0);
    expect(repo.git('log', '-1', '--format=%s')).toBe('fixup! TASK-1 login form');
    expect(recorded(repo, head(repo), 'mission_id, tasks')).toEqual([{ mission_id: a.id, tasks: '["TASK-1"]' }]);
    stage(repo);
    const squash = gitRun(repo, ['commit', '-q', `--squash=${target}`, '--no-edit'], { env: a.env });
    expect(squash.code, squash.stderr).toBe(0);
    expect(repo.git('log', '-1', '--format=%s')).toBe('squash! TASK-1 login form');
    expect(commitCount(repo)).toBe(before + 2);
  });

  it('rebase -i --autosquash and a plain rebase complete although the task is no longer claimed', () => {
    const target = repo.git('log', '--format=%H', '--grep=^TASK-1 login form$');
    expect(repo.sortie(['task', 'release', 'TASK-1'], { env: a.env }).code).toBe(0);
    repo.git('checkout', '--', '.sortie/tasks');
    expect(repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    const before = commitCount(repo);

    const r = gitRun(repo, ['rebase', '-i', '--autosquash', `${target}~1`], { env: { ...a.env, GIT_SEQUENCE_EDITOR: 'true', GIT_EDITOR: 'true' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('blocked');
    expect(commitCount(repo)).toBe(before - 2); // fixup! and squash! folded in
    expect(repo.git('log', '--format=%s', '--grep=^fixup!\\|^squash!')).toBe('');
    expect(repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(repo.git('rev-parse', '--abbrev-ref', 'HEAD')).toBe('main');

    // A plain rebase of a branch carrying TASK-1 commits onto a moved main.
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: a.env }).code).toBe(0);
    gitRun(repo, ['checkout', '-q', '-b', 'TASK-1-more'], { env: a.env });
    expect(commit(repo, 'TASK-1 step one', { env: a.env }).code).toBe(0);
    expect(commit(repo, 'TASK-1 step two', { env: a.env }).code).toBe(0);
    expect(repo.sortie(['task', 'release', 'TASK-1'], { env: a.env }).code).toBe(0);
    repo.git('checkout', '--', '.sortie/tasks');
    gitRun(repo, ['checkout', '-q', 'main']);
    stage(repo, 'main.txt');
    expect(gitRun(repo, ['commit', '-q', '-m', 'main moves on']).code).toBe(0);
    gitRun(repo, ['checkout', '-q', 'TASK-1-more']);
    const branchBefore = commitCount(repo);
    const plain = gitRun(repo, ['rebase', 'main'], { env: b.env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).not.toContain('blocked');
    expect(commitCount(repo)).toBe(branchBefore + 1);
    expect(repo.git('log', '-2', '--format=%s')).toBe('TASK-1 step two\nTASK-1 step one');
    expect(repo.git('merge-base', '--is-ancestor', 'main', 'HEAD')).toBe('');
    // Outside the rebase the guard is back.
    const after = commit(repo, 'TASK-1 step three', { env: b.env });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('(pre-commit)'); // the branch names TASK-1
  });
});
