// sortie installed with pnpm 10 (which skips better-sqlite3's build until it is approved), then a
// teammate's `pnpm install --frozen-lockfile`: see test/helpers/manager-scenario.ts. Then a pnpm
// workspace with sortie in one package.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { managerScenario } from '../helpers/manager-scenario.js';
import { commitIn, gitRepo, packedWorkspace, projectEnv, run, sessionStart, tool } from '../helpers/managers.js';

managerScenario({
  name: 'pnpm',
  bins: () => [dirname(tool('pnpm@10', 'pnpm'))],
  add: (tarball) => ['pnpm', ['add', '-D', tarball]],
  approve: {
    names: ['pnpm approve-builds', '"onlyBuiltDependencies": ["better-sqlite3"]', 'pnpm rebuild better-sqlite3'],
    apply: (dir, env) => {
      // The fix init printed, in its non-interactive form.
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...pkg, pnpm: { onlyBuiltDependencies: ['better-sqlite3'] } }, null, 2)}\n`);
      const r = run('pnpm', ['rebuild', 'better-sqlite3'], dir, env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    },
  },
  install: ['pnpm', ['install', '--frozen-lockfile']],
  exec: (args) => ['pnpm', ['exec', 'sortie', ...args]],
  script: 'prepare',
  gitignore: 'node_modules/\n',
});

// A pnpm workspace where only one package depends on sortie (and so on husky): the workspace's
// install keeps working before and after init (it failed with exit 127 when init added
// `"prepare": "husky"`), and the install script goes to that package, whose `prepare` pnpm runs.
describe('a pnpm workspace with sortie in one package', () => {
  let ws: ReturnType<typeof packedWorkspace>;
  let env: Record<string, string>;
  let root: string;
  let app: string;

  beforeAll(() => {
    env = projectEnv([dirname(tool('pnpm@10', 'pnpm'))]);
    ws = packedWorkspace('pm-pnpm-ws');
    root = join(ws.dir, 'mono');
    app = join(root, 'packages', 'app');
    gitRepo(root, env);
    mkdirSync(join(root, 'packages', 'lib'), { recursive: true });
    mkdirSync(app, { recursive: true });
    writeFileSync(join(root, 'package.json'), `${JSON.stringify({ name: 'mono', private: true, pnpm: { onlyBuiltDependencies: ['better-sqlite3'] } }, null, 2)}\n`);
    writeFileSync(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
    writeFileSync(join(root, '.gitignore'), 'node_modules/\n');
    writeFileSync(join(root, 'packages', 'lib', 'package.json'), `${JSON.stringify({ name: 'lib', version: '1.0.0' }, null, 2)}\n`);
    writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'app', version: '1.0.0' }, null, 2)}\n`);
    const added = run('pnpm', ['add', '-D', ws.tarball], app, env);
    expect(added.code, added.stdout + added.stderr).toBe(0);
  }, 600_000);

  afterAll(() => ws?.cleanup());

  test('init in the package: the script goes to its package.json, the workspace install still passes and wires the hooks, the guard blocks', () => {
    const rootPkg = readFileSync(join(root, 'package.json'), 'utf8');
    const init = run('pnpm', ['exec', 'sortie', 'init'], app, env);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toBe(rootPkg);
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).scripts.prepare).toBe('sortie prepare || exit 0');
    expect(readFileSync(join(root, '.claude', 'settings.json'), 'utf8')).toContain('$CLAUDE_PROJECT_DIR/packages/app/node_modules/sortie/dist/hook.cjs');
    expect(readFileSync(join(root, '.husky', 'commit-msg'), 'utf8')).toContain('/../packages/app/node_modules/sortie/hooks/sortie.sh');
    expect(run('pnpm', ['exec', 'sortie', 'task', 'new', 'Fix the login redirect'], app, env).code).toBe(0);
    expect(run('git', ['add', '-A'], root, env).code).toBe(0);
    expect(run('git', ['commit', '-q', '--no-verify', '-m', 'workspace with sortie'], root, env).code).toBe(0);

    // The whole workspace's install, as every teammate runs it: passes, and wires the hooks.
    run('git', ['config', '--unset', 'core.hooksPath'], root, env);
    const install = run('pnpm', ['install', '--frozen-lockfile'], root, env);
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(run('git', ['config', '--get', 'core.hooksPath'], root, env).stdout.trim()).toBe(join(root, '.husky', '_'));
    const blocked = commitIn(root, env, 'TASK-1 in the workspace');
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('sortie: commit blocked (commit-msg)');
    const start = sessionStart(root, env, 'ws-session');
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('you are mission #');
  }, 600_000);
});
