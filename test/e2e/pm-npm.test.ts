// sortie installed with npm (the packed tarball), then a teammate's `npm ci`: see test/helpers/manager-scenario.ts.
import { managerScenario } from '../helpers/manager-scenario.js';

managerScenario({
  name: 'npm',
  bins: () => [],
  add: (tarball) => ['npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball]],
  install: ['npm', ['ci', '--no-audit', '--no-fund']],
  exec: (args) => ['npm', ['exec', '--', 'sortie', ...args]],
  script: 'prepare',
  gitignore: 'node_modules/\n',
});
