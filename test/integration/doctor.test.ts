/**
 * doctor never says "all good" while the guard or the hooks cannot work, and exits non-zero then:
 * git hooks git does not run (core.hooksPath unset), stale machine settings (a path they name is
 * gone, or written for another id pattern), agent hook lines that find no sortie. Each test is its
 * own repository.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gitRun } from '../helpers/guard.js';
import { GLOBAL_BIN, makeRepo, type TempRepo } from '../helpers/repo.js';

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

function initialised(name: string): TempRepo {
  const r = makeRepo({ name });
  repos.push(r);
  const init = r.sortie(['init']);
  expect(init.code, init.stderr).toBe(0);
  return r;
}

describe('doctor', () => {
  test('all good right after init (exit 0)', () => {
    const r = initialised('doctor-ok');
    const d = r.sortie(['doctor']);
    expect(d.code, d.stdout).toBe(0);
    expect(d.stdout).toContain('all good');
  });

  test('core.hooksPath unset: git runs none of the hooks, so FAIL and exit 1; `sortie prepare` wires them back', () => {
    const r = initialised('doctor-hookspath');
    gitRun(r, ['config', '--unset', 'core.hooksPath']);
    const d = r.sortie(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/FAIL git hooks: core.hooksPath is not set/);
    expect(d.stdout).not.toContain('all good');
    expect(r.sortie(['prepare']).code).toBe(0);
    expect(gitRun(r, ['config', '--get', 'core.hooksPath']).stdout.trim()).toBe(join(r.dir, '.husky', '_'));
    expect(r.sortie(['doctor']).code).toBe(0);
  });

  test('stale machine settings (another id pattern, or a path that is gone): FAIL and exit 1', () => {
    const r = initialised('doctor-stale');
    r.write('.sortierc.json', `${JSON.stringify({ extends: 'site-nine' }, null, 2)}\n`);
    const d = r.sortie(['doctor']);
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/FAIL git hooks: this machine's hook settings .* are stale/);
    expect(r.sortie(['prepare']).code).toBe(0);
    expect(r.sortie(['doctor']).code).toBe(0);
    const env = join(r.dir, '.git', 'sortie', 'hooks.env');
    writeFileSync(env, r.read('.git/sortie/hooks.env').replace(/^sortie_node='[^']*'/m, "sortie_node='/gone/node'"));
    const gone = r.sortie(['doctor']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toContain('node /gone/node is gone');
  });

  test('agent hook lines that find no sortie (not in node_modules, no sortie-hook on PATH): FAIL and exit 1', () => {
    const r = initialised('doctor-unresolved');
    const path = (r.env.PATH ?? '').split(':').filter((d) => d !== GLOBAL_BIN).join(':');
    const d = r.sortie(['doctor'], { env: { PATH: path } });
    expect(d.code).toBe(1);
    expect(d.stdout).toMatch(/FAIL claude hooks: the hook entries cannot find sortie here/);
  });
});
