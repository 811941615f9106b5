/**
 * The git hook runner, hooks/sortie.sh, and the block that sources it from .husky/<hook>: shell
 * code that must stay clean, keep commits that name no task free of Node, and work without this
 * machine's settings. Node starts are counted with a `node` wrapper that logs each start.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { commit, commitCount } from '../helpers/guard.js';
import { makeRepo, ROOT, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

function shellcheck(): { ok: true } | { ok: false; why: string } {
  const r = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true };
  if (process.env.CI) throw new Error('shellcheck is missing; CI installs it (.ci/run) so the runner is always checked');
  return { ok: false, why: 'shellcheck is not installed (apt-get install shellcheck)' };
}

const available = shellcheck();

describe.skipIf(!available.ok)(`shellcheck${available.ok ? '' : ` (skipped: ${available.why})`}`, () => {
  test('hooks/sortie.sh is clean', () => {
    const r = spawnSync('shellcheck', [join(ROOT, 'hooks', 'sortie.sh')], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('a .husky/<hook> file as init writes it is clean', () => {
    const repo = makeRepo({ name: 'runner-shellcheck' });
    repos.push(repo);
    expect(repo.sortie(['init', '--no-claude']).code).toBe(0);
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout']) {
      const file = join(repo.dir, '.husky', hook);
      // husky runs the file with `sh -e`; it has no shebang of its own. Excluded: the notes that
      // shellcheck cannot follow a `.` of a path found at run time (SC1090, SC1091) and that the
      // sortie_* variables are set for that sourced runner (SC2034), which is what the block is for.
      const r = spawnSync('shellcheck', ['--shell=sh', '--exclude=SC1090,SC1091,SC2034', file], { encoding: 'utf8' });
      expect(r.stdout + r.stderr, hook).toBe('');
    }
  });
});

/** A `node` that logs each start (its first argument: the hook entry) and then runs the real one. */
function countingNode(repo: TempRepo): { bin: string; starts: () => string[] } {
  const bin = join(repo.dir, '..', `${repo.dir.split('/').pop()}-bin`);
  mkdirSync(bin, { recursive: true });
  const log = join(bin, 'starts.log');
  writeFileSync(join(bin, 'node'), `#!/bin/sh\necho "$2 $3" >> '${log}'\nexec '${process.execPath}' "$@"\n`);
  chmodSync(join(bin, 'node'), 0o755);
  repos.push({ cleanup: () => rmSync(bin, { recursive: true, force: true }) } as TempRepo);
  return { bin, starts: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
}

function setUp(name: string): TempRepo {
  const repo = makeRepo({ name });
  repos.push(repo);
  expect(repo.sortie(['init', '--no-claude']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up', '--no-verify');
  return repo;
}

const settings = (repo: TempRepo) => join(repo.dir, '.git', 'sortie', 'hooks.env');

describe('with the settings init wrote for this machine', () => {
  test('a commit naming no task starts no Node at all; one naming a task starts it once, for commit-msg', () => {
    const repo = setUp('runner-settings');
    const node = countingNode(repo);
    writeFileSync(settings(repo), readFileSync(settings(repo), 'utf8').replace(/^sortie_node=.*$/m, `sortie_node='${join(node.bin, 'node')}'`));
    const before = commitCount(repo);
    expect(commit(repo, 'plain change 42').code).toBe(0);
    expect(node.starts()).toEqual([]);
    const blocked = commit(repo, 'TASK-1 change');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(node.starts()).toEqual(['git commit-msg']);
    expect(commitCount(repo)).toBe(before + 1);
  });
});

describe("without this machine's settings (a clone where init has not run)", () => {
  test('the runner of node_modules/sortie is used, with node from PATH: plain commits pass without Node, a commit on an unclaimed task is blocked', () => {
    const repo = setUp('runner-fallback');
    rmSync(settings(repo));
    mkdirSync(join(repo.dir, 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(repo.dir, 'node_modules', 'sortie'));
    const node = countingNode(repo);
    const env = { PATH: `${node.bin}:${process.env.PATH}` };
    const before = commitCount(repo);
    expect(commit(repo, 'plain change', { env }).code).toBe(0);
    // No settings: pre-commit cannot tell the tasks folder, so it starts Node (the one from PATH);
    // commit-msg has no id pattern and starts it only for a message line holding a digit.
    expect(node.starts()).toEqual(['git pre-commit']);
    const blocked = commit(repo, 'TASK-1 change', { env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked');
    expect(commitCount(repo)).toBe(before + 1);
  });

  test('with no runner to be found, the commit goes ahead and says how to set the hooks up', () => {
    const repo = setUp('runner-none');
    rmSync(settings(repo));
    const before = commitCount(repo);
    const r = commit(repo, 'TASK-1 change');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('sortie: git hooks not set up on this machine (run: npx sortie init); skipping');
    expect(commitCount(repo)).toBe(before + 1);
  });
});
