/**
 * doctor never says "all good" while the guard or the hooks cannot work, and exits non-zero then:
 * git hooks git does not run (core.hooksPath unset), stale machine settings (a path they name is
 * gone, or written for another id pattern), agent hook lines that find no sortie. Each test is its
 * own repository.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { gitRun, query, startAgent } from '../helpers/guard.js';
import { withDb } from '../helpers/missions.js';
import { dbOf, GLOBAL_BIN, makeRepo, type TempRepo } from '../helpers/repo.js';

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

describe('doctor --fix', () => {
  test('reads the commands out of the fixes it prints, and only sortie commands a person need not adapt', async () => {
    const { runnableFix } = await import('../../dist/commands/doctor.js');
    expect(runnableFix('sortie init')).toEqual([['init']]);
    expect(runnableFix('npx sortie prepare   (sets it to /x/.husky/_ for every worktree)')).toEqual([['prepare']]);
    expect(runnableFix("your package manager's install (it runs `sortie prepare`), or: npx sortie prepare")).toEqual([['prepare']]);
    expect(runnableFix('open this folder in Gemini CLI once and trust it   (or: sortie init --trust)')).toEqual([['init', '--trust']]);
    expect(runnableFix('sortie task release TASK-1 --force; sortie task release TASK-2 --force')).toEqual([
      ['task', 'release', 'TASK-1', '--force'],
      ['task', 'release', 'TASK-2', '--force'],
    ]);
    expect(runnableFix('sortie status   (migrates it), then sortie doctor')).toEqual([['status']]);
    // a person's part: editing, installing, another checkout, placeholders, doctor itself
    expect(runnableFix('edit .sortie/tasks/TASK-9-broken.md')).toBeUndefined();
    expect(runnableFix('cd /x/.opencode && npm install')).toBeUndefined();
    expect(runnableFix('after `git switch legacy`: sortie task renumber TASK-4   (renumbers "x")')).toBeUndefined();
    expect(runnableFix('sortie init   (or: sortie init --agent <claude-code|codex>)')).toEqual([['init']]);
    expect(runnableFix('sortie init --agent <claude-code|codex>')).toBeUndefined();
    expect(runnableFix('sortie doctor --json lists them all')).toBeUndefined();
    expect(runnableFix('sortie task release X --force; rm -rf /')).toBeUndefined();
    expect(runnableFix(undefined)).toBeUndefined();
  });

  test("lists what it will run and what is left to you, runs sortie's own fixes, then checks again", () => {
    const r = initialised('doctor-fix');
    // Three problems: git hooks unwired, a live mission whose agent died, a task file only a person can repair.
    gitRun(r, ['config', '--unset', 'core.hooksPath']);
    const agent = startAgent(r, 'doctor-fix-session');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    withDb(dbOf(r), (db) => db.prepare('UPDATE missions SET pid = ? WHERE id = ?').run(dead, agent.id));
    r.write('.sortie/tasks/TASK-9-broken.md', '---\nid: TASK-9\ntitle: [unclosed\n---\n');
    const failing = (json: { findings: { check: string; level: string }[] }) =>
      [...new Set(json.findings.filter((f) => f.level === 'error' || f.level === 'warn').map((f) => f.check))].sort();
    expect(failing(r.sortie(['doctor', '--json']).json())).toEqual(['git hooks', 'missions', 'task file']);

    const fix = r.sortie(['doctor', '--fix']);
    expect(fix.stdout).toMatch(/will run\n {2}sortie prepare {3}\(git hooks\)\n {2}sortie mission reap {3}\(missions\)\n/);
    expect(fix.stdout).toMatch(/left to you\n {2}task file: \.sortie\/tasks\/TASK-9-broken\.md.*\n {5}fix: edit \.sortie\/tasks\/TASK-9-broken\.md/);
    expect(fix.stdout).toContain('$ sortie prepare');
    expect(fix.stdout).toContain('$ sortie mission reap');
    expect(fix.code).toBe(1); // the task file is still broken
    expect(gitRun(r, ['config', '--get', 'core.hooksPath']).stdout.trim()).toBe(join(r.dir, '.husky', '_'));
    expect(query(r, 'SELECT end_reason FROM missions WHERE id = ?', agent.id)[0].end_reason).toBe('abandoned');
    expect(failing(r.sortie(['doctor', '--json']).json())).toEqual(['task file']);

    // Once the person has done their part, --fix has nothing to run and doctor is all good.
    r.write('.sortie/tasks/TASK-9-broken.md', '---\nid: TASK-9\ntitle: Fixed by hand\nstatus: TODO\n---\n');
    const json = r.sortie(['doctor', '--fix', '--json']);
    expect(json.code, json.stdout).toBe(0);
    expect(json.json()).toMatchObject({ ok: true, fixes: [] });
  });
});
