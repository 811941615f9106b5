// sortie installed with yarn berry (4) and its node-modules linker, which runs no dependency build
// script unless told and no `prepare` on install, then a teammate's `yarn install --immutable`: see
// test/helpers/manager-scenario.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { managerScenario } from '../helpers/manager-scenario.js';
import { run, tool } from '../helpers/managers.js';

managerScenario({
  name: 'yarn',
  bins: () => [dirname(tool('@yarnpkg/cli-dist@4', 'yarn'))],
  files: { '.yarnrc.yml': 'nodeLinker: node-modules\nenableTelemetry: false\n' },
  add: (tarball) => ['yarn', ['add', '-D', `sortie@file:${tarball}`]],
  approve: {
    names: ['"dependenciesMeta": { "better-sqlite3": { "built": true } }', 'yarn install'],
    apply: (dir, env) => {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ ...pkg, dependenciesMeta: { 'better-sqlite3': { built: true } } }, null, 2)}\n`);
      const r = run('yarn', ['install'], dir, env);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    },
  },
  install: ['yarn', ['install', '--immutable']],
  exec: (args) => ['yarn', ['exec', 'sortie', ...args]],
  script: 'postinstall',
  gitignore: 'node_modules/\n.yarn/\n',
});
