/**
 * The package the way users get it: `npm pack`, then `npm install <tarball>` into a fresh
 * repository with its own package.json (better-sqlite3 compiles from source there, about a
 * minute: once for this file), `npx sortie init`, and real `git commit`s through the hooks it
 * installed: blocked on an unclaimed task, allowed once claimed. Then once more without this
 * machine's hook settings, as on a teammate's fresh clone, through the runner in node_modules.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { commit, commitCount } from '../helpers/guard.js';
import { ROOT, makeRepo, toResult, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let packDir: string;

function npm(args: string[], cwd: string, env: Record<string, string>) {
  return toResult(spawnSync('npm', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 }));
}

beforeAll(() => {
  packDir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-pack-')));
  // --ignore-scripts: dist/ is built already (test/global-setup.ts), and `prepare` would rebuild
  // it under the other test files running now.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT, stdio: 'ignore' });
  const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
  repo = makeRepo({ name: 'pack' });
  repo.write('package.json', `${JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2)}\n`);
  const installed = npm(['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], repo.dir, repo.env);
  if (installed.code !== 0) throw new Error(`npm install of the packed tarball failed:\n${installed.stderr}`);
  repo.write('.gitignore', 'node_modules/\n');
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'app with sortie');
}, 600_000);

afterAll(() => {
  repo?.cleanup();
  if (packDir) rmSync(packDir, { recursive: true, force: true });
});

describe('installed from the npm pack tarball', () => {
  test('npx sortie init, then a commit on an unclaimed task is blocked and passes once it is claimed; also without the machine-local settings', () => {
    const init = npm(['exec', '--', 'sortie', 'init', '--no-claude'], repo.dir, repo.env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('sortie set up in');
    expect(existsSync(join(repo.dir, '.git', 'sortie', 'hooks.env'))).toBe(true);
    const task = npm(['exec', '--', 'sortie', 'task', 'new', 'Fix the login redirect'], repo.dir, repo.env);
    expect(task.code, task.stderr).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'sortie and a task', '--no-verify');

    const before = commitCount(repo);
    const blocked = commit(repo, 'TASK-1 send users to the dashboard');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(blocked.stderr).toContain('sortie task claim TASK-1');
    expect(commitCount(repo)).toBe(before);

    const claim = npm(['exec', '--', 'sortie', 'task', 'claim', 'TASK-1'], repo.dir, repo.env);
    expect(claim.code, claim.stderr).toBe(0);
    const ok = commit(repo, 'TASK-1 send users to the dashboard');
    expect(ok.code, ok.stderr).toBe(0);
    expect(commitCount(repo)).toBe(before + 1);

    // Without this machine's hook settings (a teammate's fresh clone), the runner of
    // node_modules/sortie still guards.
    rmSync(join(repo.dir, '.git', 'sortie', 'hooks.env'));
    const release = npm(['exec', '--', 'sortie', 'task', 'release', 'TASK-1'], repo.dir, repo.env);
    expect(release.code, release.stderr).toBe(0);
    expect(commit(repo, 'plain change').code).toBe(0);
    const again = commit(repo, 'TASK-1 more');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('sortie: commit blocked (commit-msg)');
    expect(commitCount(repo)).toBe(before + 2);
  });
});
