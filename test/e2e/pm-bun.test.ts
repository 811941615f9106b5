// sortie installed with bun (better-sqlite3 is on bun's list of dependencies trusted to build),
// then a teammate's `bun install --frozen-lockfile`: see test/helpers/manager-scenario.ts.
import { dirname } from 'node:path';
import { managerScenario } from '../helpers/manager-scenario.js';
import { tool } from '../helpers/managers.js';

managerScenario({
  name: 'bun',
  bins: () => [dirname(tool('bun', 'bun'))],
  add: (tarball) => ['bun', ['add', '-d', tarball]],
  install: ['bun', ['install', '--frozen-lockfile']],
  exec: (args) => ['bun', ['x', 'sortie', ...args]],
  script: 'prepare',
  gitignore: 'node_modules/\n',
});
