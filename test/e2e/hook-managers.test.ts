/**
 * sortie beside the real pre-commit framework (Debian's package, or PyPI's), the real lefthook and
 * the real simple-git-hooks (npm), each with the team's own hook already configured: sortie's init refuses to take the hooks
 * folder while the manager is only configured, and names it; the manager's own install works; `init
 * --wire` adds sortie in the manager's terms; the manager's install still works after it; a commit
 * naming an unclaimed task is blocked, the team's hook still runs, the commit passes once claimed;
 * doctor sees the wiring live; uninstall gives the config back byte for byte. Each describe is one
 * scenario whose steps run in order. sortie runs from this checkout, found as `sortie-hook` on PATH
 * (see GLOBAL_BIN in test/helpers/repo.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commit, commitCount, gitRun } from '../helpers/guard.js';
import { tool } from '../helpers/managers.js';
import { makeRepo, toResult, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function marker(r: TempRepo): string {
  const f = join(r.dir, '.git', 'team-marker');
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

describe('the pre-commit framework', () => {
  let repo: TempRepo;
  let env: Record<string, string>;
  const CONFIG = [
    'repos:',
    '  - repo: local',
    '    hooks:',
    '      - id: team-check',
    '        name: team check',
    "        entry: sh -c 'echo team-check >> .git/team-marker'",
    '        language: system',
    '        always_run: true',
    '        pass_filenames: false',
    '',
  ].join('\n');
  const HOOK_TYPES = ['--hook-type', 'pre-commit', '--hook-type', 'commit-msg', '--hook-type', 'post-commit', '--hook-type', 'post-checkout'];
  const preCommit = (args: string[]) => toResult(spawnSync('pre-commit', args, { cwd: repo.dir, env, encoding: 'utf8' }));

  beforeAll(() => {
    const found = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error('the pre-commit framework is not installed (apt-get install pre-commit); .ci/run installs it, and this test must not be skipped');
    repo = makeRepo({ name: 'pre-commit' });
    repos.push(repo);
    const home = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-pre-commit-home-')));
    dirs.push(home);
    env = { ...repo.env, PRE_COMMIT_HOME: home };
    repo.write('.pre-commit-config.yaml', CONFIG);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'team pre-commit config');
  });

  test('configured but not installed: init refuses, names it, writes nothing; its own install then works', () => {
    const r = repo.sortie(['init'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('the pre-commit framework (configured in .pre-commit-config.yaml, not installed on this clone yet)');
    expect(r.stderr).toContain('sortie init --wire');
    expect(r.stderr).toContain('- repo: local');
    expect(r.stderr).not.toContain(repo.dir);
    expect(existsSync(join(repo.dir, '.sortierc.json'))).toBe(false);
    expect(gitRun(repo, ['config', '--get', 'core.hooksPath']).stdout).toBe('');
    const installed = preCommit(['install', ...HOOK_TYPES]);
    expect(installed.code, installed.stderr).toBe(0);
  });

  test('init --wire adds a repo: local entry; pre-commit install still works; a commit on an unclaimed task is blocked, the team hook still runs', () => {
    const init = repo.sortie(['init', '--wire'], { env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('then run: pre-commit install');
    const config = repo.read('.pre-commit-config.yaml');
    expect(config.startsWith(CONFIG)).toBe(true);
    expect(config).toContain('id: sortie-commit-msg');
    expect(config).not.toContain(repo.dir);
    expect(gitRun(repo, ['config', '--get', 'core.hooksPath']).stdout).toBe('');
    const again = preCommit(['install', ...HOOK_TYPES]);
    expect(again.code, again.stderr).toBe(0);

    expect(repo.sortie(['task', 'new', 'Fix the login redirect'], { env }).code).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'sortie wired into pre-commit');
    const before = commitCount(repo);
    const ranBefore = marker(repo).split('\n').length;
    const blocked = commit(repo, 'TASK-1 send users to the dashboard', { env });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout + blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(commitCount(repo)).toBe(before);
    expect(marker(repo).split('\n').length).toBeGreaterThan(ranBefore); // the team's hook ran (at each stage it is installed for)

    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env }).code).toBe(0);
    const ok = commit(repo, 'TASK-1 send users to the dashboard', { env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);

    const doctor = repo.sortie(['doctor'], { env });
    expect(doctor.stdout).toMatch(/ok\s+git hooks: the pre-commit framework runs sortie/);
  });

  test('uninstall gives the config back byte for byte; the team hook goes on running', () => {
    const un = repo.sortie(['uninstall'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(repo.read('.pre-commit-config.yaml')).toBe(CONFIG);
    // pre-commit runs only a staged config.
    repo.git('add', '.pre-commit-config.yaml');
    const ranBefore = marker(repo).split('\n').length;
    const r = commit(repo, 'TASK-1 more', { env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(marker(repo).split('\n').length).toBeGreaterThan(ranBefore);
  });
});

describe('lefthook', () => {
  let repo: TempRepo;
  let env: Record<string, string>;
  const CONFIG = ['pre-commit:', '  commands:', '    team:', '      run: echo team-lefthook >> .git/team-marker', ''].join('\n');
  const lefthook = (args: string[]) => toResult(spawnSync('lefthook', args, { cwd: repo.dir, env, encoding: 'utf8' }));

  beforeAll(() => {
    const bin = tool('lefthook', 'lefthook');
    repo = makeRepo({ name: 'lefthook' });
    repos.push(repo);
    env = { ...repo.env, PATH: `${dirname(bin)}:${repo.env.PATH}` };
    repo.write('lefthook.yml', CONFIG);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'team lefthook config');
  }, 120_000);

  test('configured but not installed: init refuses, names it, writes nothing; its own install then works', () => {
    const r = repo.sortie(['init'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('lefthook (configured in lefthook.yml, not installed on this clone yet)');
    expect(r.stderr).not.toContain(repo.dir);
    expect(gitRun(repo, ['config', '--get', 'core.hooksPath']).stdout).toBe('');
    const installed = lefthook(['install']);
    expect(installed.code, installed.stderr).toBe(0);
  });

  test('init --wire adds sortie under the existing pre-commit and new hooks; lefthook install still works; a commit on an unclaimed task is blocked, the team command still runs', () => {
    const init = repo.sortie(['init', '--wire'], { env });
    expect(init.code, init.stderr).toBe(0);
    const config = repo.read('lefthook.yml');
    expect(config).toContain('    team:\n      run: echo team-lefthook');
    expect(config).toContain('sortie-hook git commit-msg');
    expect(config).not.toContain(repo.dir);
    const again = lefthook(['install']);
    expect(again.code, again.stderr).toBe(0);

    expect(repo.sortie(['task', 'new', 'Fix the login redirect'], { env }).code).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'sortie wired into lefthook');
    const before = commitCount(repo);
    const ran = marker(repo).split('\n').length;
    const blocked = commit(repo, 'TASK-1 send users to the dashboard', { env });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout + blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(commitCount(repo)).toBe(before);
    expect(marker(repo).split('\n').length).toBe(ran + 1);

    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env }).code).toBe(0);
    const ok = commit(repo, 'TASK-1 send users to the dashboard', { env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);

    const doctor = repo.sortie(['doctor'], { env });
    expect(doctor.stdout).toMatch(/ok\s+git hooks: lefthook runs sortie/);
  });

  test('uninstall gives lefthook.yml back byte for byte', () => {
    const un = repo.sortie(['uninstall'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(repo.read('lefthook.yml')).toBe(CONFIG);
  });
});

describe('simple-git-hooks', () => {
  let repo: TempRepo;
  let env: Record<string, string>;
  const PKG = `${JSON.stringify({ name: 'team-app', private: true, 'simple-git-hooks': { 'pre-commit': 'echo team-sgh >> .git/team-marker' } }, null, 2)}\n`;
  const sgh = () => toResult(spawnSync('simple-git-hooks', [], { cwd: repo.dir, env, encoding: 'utf8' }));

  beforeAll(() => {
    const bin = tool('simple-git-hooks', 'simple-git-hooks');
    repo = makeRepo({ name: 'simple-git-hooks' });
    repos.push(repo);
    env = { ...repo.env, PATH: `${dirname(bin)}:${repo.env.PATH}` };
    repo.write('package.json', PKG);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'team simple-git-hooks config');
  }, 120_000);

  test('configured: init refuses; --wire adds its line to each hook in package.json; simple-git-hooks installs them; blocked, the team hook still runs; uninstall restores package.json', () => {
    const r = repo.sortie(['init'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('simple-git-hooks (configured in package.json#simple-git-hooks, not installed on this clone yet)');
    const init = repo.sortie(['init', '--wire'], { env });
    expect(init.code, init.stderr).toBe(0);
    const cfg = JSON.parse(repo.read('package.json'))['simple-git-hooks'] as Record<string, string>;
    expect(cfg['pre-commit']!.startsWith('echo team-sgh >> .git/team-marker\n')).toBe(true);
    expect(cfg['commit-msg']).toContain('sortie-hook git commit-msg');
    const installed = sgh();
    expect(installed.code, installed.stdout + installed.stderr).toBe(0);

    expect(repo.sortie(['task', 'new', 'Fix the login redirect'], { env }).code).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-q', '--no-verify', '-m', 'sortie wired into simple-git-hooks');
    const before = commitCount(repo);
    const blocked = commit(repo, 'TASK-1 send users to the dashboard', { env });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout + blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(commitCount(repo)).toBe(before);
    expect(marker(repo)).toContain('team-sgh');
    expect(repo.sortie(['doctor'], { env }).stdout).toMatch(/ok\s+git hooks: simple-git-hooks runs sortie/);

    const un = repo.sortie(['uninstall'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(repo.read('package.json')).toBe(PKG);
  });
});
