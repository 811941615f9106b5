/**
 * One scenario, run with each package manager (test/e2e/pm-*.test.ts), in two repositories side by
 * side with the packed tarball:
 * 1. a project adds sortie as a dev dependency with its manager (where the manager skips
 *    better-sqlite3's build, init first refuses with the manager's own fix and writes nothing);
 *    init then uninstall gives the repository back byte for byte, modes included; init again, a
 *    commit naming an unclaimed task is blocked, and passes once the task is claimed;
 * 2. a teammate clones it and runs only the manager's usual install: the install script wired the
 *    git hooks, the first guarded commit creates the database and is blocked, the agent hook line
 *    of the committed .claude/settings.json starts a mission with `sh -c`, the teammate's own init
 *    changes no committed file, and doctor is clean.
 * The steps build on each other and run in order.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { codename, seedOf } from '../../dist/missions/codename.js';
import { inspect } from './db.js';
import { commitIn, commits, configure, gitRepo, packedWorkspace, projectEnv, run, sessionStart, snapshot } from './managers.js';

type Cmd = [string, string[]];

export interface ManagerCase {
  name: string;
  /** Folders with the manager's binaries (installed by the test), first on PATH. */
  bins: () => string[];
  /** Extra project files (the yarn linker setting...). */
  files?: Record<string, string>;
  add: (tarball: string) => Cmd;
  /** Where the manager skips the native build: the fix init names, and applying it. */
  approve?: { names: string[]; apply: (dir: string, env: Record<string, string>) => void };
  /** The teammate's usual install command. */
  install: Cmd;
  /** How the project runs sortie. */
  exec: (args: string[]) => Cmd;
  /** The install script sortie adds (yarn berry runs no `prepare`). */
  script: 'prepare' | 'postinstall';
  gitignore: string;
}

const TIMEOUT = 600_000;

export function managerScenario(c: ManagerCase): void {
  let ws: ReturnType<typeof packedWorkspace>;
  let env: Record<string, string>;
  let a: string;
  const sortie = (dir: string, args: string[]) => {
    const [cmd, rest] = c.exec(args);
    return run(cmd, rest, dir, env);
  };

  beforeAll(() => {
    env = projectEnv(c.bins());
    ws = packedWorkspace(`pm-${c.name}`);
    a = join(ws.dir, 'a');
    gitRepo(a, env);
    writeFileSync(join(a, 'package.json'), `${JSON.stringify({ name: 'team-app', version: '1.0.0', private: true }, null, 2)}\n`);
    writeFileSync(join(a, '.gitignore'), c.gitignore);
    for (const [f, text] of Object.entries(c.files ?? {})) writeFileSync(join(a, f), text);
    const [cmd, args] = c.add('../sortie.tgz');
    const added = run(cmd, args, a, env);
    expect(existsSync(join(a, 'node_modules', 'sortie', 'package.json')), `${c.name} could not add the tarball:\n${added.stdout}\n${added.stderr}`).toBe(true);
  }, TIMEOUT);

  afterAll(() => ws?.cleanup());

  describe(`sortie installed with ${c.name}`, () => {
    if (c.approve) {
      const approve = c.approve;
      test('init names the skipped native build with the fix in the manager\'s terms, and writes nothing', () => {
        const before = snapshot(a);
        const r = sortie(a, ['init']);
        expect(r.code, r.stdout + r.stderr).toBe(4);
        expect(r.stderr).toContain('the better-sqlite3 native module was never built');
        expect(r.stderr).toContain('nothing was written');
        for (const n of approve.names) expect(r.stderr).toContain(n);
        expect(snapshot(a)).toEqual(before);
        const doctor = sortie(a, ['doctor']);
        expect(doctor.code).toBe(1);
        expect(doctor.stdout).toMatch(/FAIL database driver/);
        approve.apply(a, env);
      }, TIMEOUT);
    }

    test('init, then uninstall: byte for byte, modes included; init again: a commit on an unclaimed task is blocked, then passes once claimed', () => {
      const before = snapshot(a);
      const init = sortie(a, ['init']);
      expect(init.code, init.stdout + init.stderr).toBe(0);
      const pkg = JSON.parse(readFileSync(join(a, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
      expect(pkg.scripts[c.script]).toBe('sortie prepare || exit 0');
      const un = sortie(a, ['uninstall']);
      expect(un.code, un.stderr).toBe(0);
      expect(snapshot(a)).toEqual(before);

      expect(sortie(a, ['init']).code).toBe(0);
      expect(sortie(a, ['task', 'new', 'Fix the login redirect']).code).toBe(0);
      expect(run('git', ['add', '-A'], a, env).code).toBe(0);
      const setUp = run('git', ['commit', '-q', '-m', 'team app with sortie'], a, env);
      expect(setUp.code, setUp.stderr).toBe(0);

      const n = commits(a, env);
      const blocked = commitIn(a, env, 'TASK-1 send users to the dashboard');
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
      expect(blocked.stderr).toContain('sortie task claim TASK-1');
      expect(commits(a, env)).toBe(n);
      expect(sortie(a, ['task', 'claim', 'TASK-1']).code).toBe(0);
      const ok = commitIn(a, env, 'TASK-1 send users to the dashboard');
      expect(ok.code, ok.stderr).toBe(0);
      expect(commits(a, env)).toBe(n + 1);
    }, TIMEOUT);

    test("a teammate's clone with only the usual install: git hooks wired, the guard live from the first commit, agent hooks live, their init changes nothing, doctor clean", () => {
      const b = join(ws.dir, 'b');
      expect(run('git', ['clone', '-q', a, b], ws.dir, env).code).toBe(0);
      configure(b, env);
      const [cmd, args] = c.install;
      const installed = run(cmd, args, b, env);
      expect(installed.code, `${installed.stdout}\n${installed.stderr}`).toBe(0);
      expect(run('git', ['config', '--get', 'core.hooksPath'], b, env).stdout.trim()).toBe(join(b, '.husky', '_'));
      expect(existsSync(join(b, '.git', 'sortie', 'sortie.db'))).toBe(false);

      // The first guarded commit creates the database and is blocked.
      const blocked = commitIn(b, env, 'TASK-1 from the clone');
      expect(blocked.code, blocked.stderr).toBe(1);
      expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
      expect(existsSync(join(b, '.git', 'sortie', 'sortie.db'))).toBe(true);
      expect(run('git', ['reset', '-q', '--hard'], b, env).code).toBe(0);

      // The teammate's init changes no committed file.
      const init = sortie(b, ['init']);
      expect(init.code, init.stderr).toBe(0);
      expect(run('git', ['status', '--porcelain'], b, env).stdout).toBe('');

      // The committed agent hook line runs the project's install (no global sortie on this PATH).
      const start = sessionStart(b, env, 'teammate-session');
      expect(start.code, start.stderr).toBe(0);
      const context = (JSON.parse(start.stdout) as { hookSpecificOutput: { additionalContext: string } }).hookSpecificOutput.additionalContext;
      expect(context).toContain('you are mission #1');
      // Its codename comes from this clone's own walk, not the first clone's.
      const cloneOf = (dir: string) => inspect(join(dir, '.git', 'sortie', 'sortie.db'), (d) => d.prepare("SELECT value FROM meta WHERE key = 'clone_id'").pluck().get() as string);
      expect(cloneOf(b)).not.toBe(cloneOf(a));
      expect(context).toContain(`"${codename(1, seedOf(cloneOf(b)))}"`);

      const doctor = sortie(b, ['doctor']);
      expect(doctor.code, doctor.stdout).toBe(0);
      expect(doctor.stdout).toContain("they run the project's install (node_modules/sortie/dist/hook.cjs)");
    }, TIMEOUT);
  });
}

