// One scenario: a clone where the failures already happened under a sortie without the
// shared view (schema 4: one index of task files that worktrees overwrote by id), opened by this
// sortie. The first process to open it is an agent's SessionStart; after it, every checkout sees
// the truth.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, schemaVersion } from '../../dist/store/open.js';
import { LATEST_VERSION } from '../../dist/store/migrations.js';
import { inspect } from '../helpers/db.js';
import { HOOK, dbOf, makeRepo, taskFile } from '../helpers/repo.js';

const repo = makeRepo({ name: 'one-truth-upgrade' });
const parent = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-upgrade-')));
const wt = join(parent, 'feat');
afterAll(() => {
  repo.cleanup();
  rmSync(parent, { recursive: true, force: true });
});

const created = '2026-03-01T09:00:00.000Z';

beforeAll(() => {
  repo.write('.sortierc.json', '{ "extends": "recommended" }\n');
  repo.write('.sortie/tasks/TASK-1-one.md', taskFile('TASK-1', { title: 'One', status: 'TODO', created }));
  repo.write('.sortie/tasks/TASK-2-two.md', taskFile('TASK-2', { title: 'Two', status: 'TODO', created }));
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'tasks');
  repo.git('worktree', 'add', '-q', '-b', 'feat', wt);
  // What happened with the old sortie: TASK-3 made in both checkouts, TASK-2 done in the worktree.
  writeFileSync(join(wt, '.sortie', 'tasks', 'TASK-3-made-on-feat.md'), taskFile('TASK-3', { title: 'Made on feat', status: 'TODO', created: '2026-03-02T10:00:00.000Z' }));
  repo.write('.sortie/tasks/TASK-3-made-on-main.md', taskFile('TASK-3', { title: 'Made on main', status: 'TODO', created: '2026-03-02T10:00:01.000Z' }));
  writeFileSync(join(wt, '.sortie', 'tasks', 'TASK-2-two.md'), taskFile('TASK-2', { title: 'Two', status: 'COMPLETE', created }));
  // ... and its database, at schema 4, as it was left: one row per id, the last folder synced wins.
  const db = openDb(dbOf(repo), { targetVersion: 4 });
  const mainDir = join(repo.dir, '.sortie', 'tasks');
  const wtDir = join(wt, '.sortie', 'tasks');
  db.exec(`
    INSERT INTO missions (id, codename, kind, agent, session_id, cwd, worktree, branch, started_at, last_seen_at, ended_at, end_reason) VALUES
      (1, 'ashen-badger', 'agent', 'claude-code', 's-1', '${wt}', '${wt}', 'feat', '2026-03-02T09:00:00.000Z', '2026-03-02T11:00:00.000Z', '2026-03-02T11:00:00.000Z', 'other');
    INSERT INTO claims (task_id, mission_id, claimed_at, released_at, release_reason) VALUES ('TASK-2', 1, '2026-03-02T09:30:00.000Z', '2026-03-02T10:30:00.000Z', 'done');
    INSERT INTO activity (at, kind, mission_id, agent, task_id, detail) VALUES
      ('2026-03-02T09:30:00.000Z', 'task.claimed', 1, 'claude-code', 'TASK-2', '{"from":"TODO"}'),
      ('2026-03-02T10:30:00.000Z', 'task.status', 1, 'claude-code', 'TASK-2', '{"from":"UNDERWAY","to":"COMPLETE"}');
    INSERT INTO tasks (id, title, status, priority, prio_rank, labels, depends_on, created, path, size, mtime_ms, synced_at) VALUES
      ('TASK-1', 'One', 'TODO', 'medium', 2, '[]', '[]', '${created}', '${mainDir}/TASK-1-one.md', 1, 1, '2026-03-02T09:00:00.000Z'),
      ('TASK-2', 'Two', 'TODO', 'medium', 2, '[]', '[]', '${created}', '${mainDir}/TASK-2-two.md', 1, 1, '2026-03-02T09:00:00.000Z'),
      ('TASK-3', 'Made on feat', 'TODO', 'medium', 2, '[]', '[]', '2026-03-02T10:00:00.000Z', '${wtDir}/TASK-3-made-on-feat.md', 1, 1, '2026-03-02T10:00:00.000Z');
  `);
  db.close();
});

describe('a schema-4 database where the issue happened, opened by this sortie', () => {
  it("is migrated by the first process, an agent's SessionStart, whose context offers nothing finished or ambiguous as done", () => {
    const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
      cwd: repo.dir,
      env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir },
      input: JSON.stringify({ session_id: 'after-upgrade', cwd: repo.dir, hook_event_name: 'SessionStart', source: 'startup' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(inspect(dbOf(repo), (d) => schemaVersion(d as never))).toBe(LATEST_VERSION);
    const context = JSON.parse(r.stdout).hookSpecificOutput.additionalContext as string;
    expect(context).toContain('- TASK-1 One');
    // TASK-2 was finished in the worktree: the activity log said so, and it still counts.
    expect(context).not.toContain('- TASK-2 ');
  });

  it('then every checkout sees TASK-2 COMPLETE on feat, refuses to claim it, and doctor names the TASK-3 collision', () => {
    const two = repo.sortie(['task', 'show', 'TASK-2', '--json']).json();
    expect(two.task.status).toBe('COMPLETE');
    expect(two.origin).toMatchObject({ branch: 'feat', merged: false, here: 'TODO' });
    expect(repo.sortie(['task', 'claim', 'TASK-2', '--json']).json().error.code).toBe('NOT_CLAIMABLE');
    expect(repo.sortie(['task', 'show', 'TASK-2', '--json'], { cwd: wt }).json()).toMatchObject({ task: { status: 'COMPLETE' }, origin: null });

    const doctor = repo.sortie(['doctor', '--json']).json();
    const ids = doctor.findings.filter((f: { check: string }) => f.check === 'task ids');
    expect(ids).toHaveLength(1);
    expect(ids[0].message).toBe(
      'TASK-3 names 2 different tasks: "Made on feat" (.sortie/tasks/TASK-3-made-on-feat.md on feat) and "Made on main" (.sortie/tasks/TASK-3-made-on-main.md on main)',
    );
    expect(ids[0].fix).toBe(`in ${wt}: sortie task renumber TASK-3   (renumbers "Made on feat" and the depends_on naming it there; then commit)`);
    expect(repo.sortie(['task', 'claim', 'TASK-3', '--json']).json().error.code).toBe('ID_COLLISION');
    // The next id is above both.
    expect(repo.sortie(['task', 'new', 'Fresh', '--json']).json().task.id).toBe('TASK-4');
  });
});
