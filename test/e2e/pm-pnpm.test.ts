// sortie installed with pnpm 10 (which skips better-sqlite3's build until it is approved), then a
// teammate's `pnpm install --frozen-lockfile`: see test/helpers/manager-scenario.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { managerScenario } from '../helpers/manager-scenario.js';
import { run, tool } from '../helpers/managers.js';

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
