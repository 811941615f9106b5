/** `sortie import taskr` against a taskr database built from its sessions and tasks modules. */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbFileState, dbRows, givenNames, rows, sessionStart, treeState } from '../helpers/import/common.js';
import { T1, T2, buildTaskr } from '../helpers/import/taskr.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(): { repo: TempRepo; home: string; run: (args: string[]) => ReturnType<TempRepo['sortie']> } {
  const repo = makeRepo({ name: 'import-taskr' });
  cleanups.push(() => repo.cleanup());
  repo.git('remote', 'add', 'origin', 'git@github.com:acme/weather.git');
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-taskr-home-')));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  buildTaskr(home);
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  return { repo, home, run: (args) => repo.sortie(args, { env: { HOME: home } }) };
}

describe('sortie import taskr', () => {
  test('finds the database through ~/.taskr/config.yaml; the plan needs --map-ids for hex ids; nothing on disk changes', () => {
    const { repo, home, run } = setup();
    const tree = treeState(repo.dir);
    const source = treeState(join(home, '.taskr'), []);
    const dbFile = dbFileState(repo);
    const r = run(['import', 'taskr', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.json();
    expect(plan.read).toEqual([join(home, '.taskr', 'work.db')]);
    expect(plan.ids).toMatchObject({ fit: false, blocked: true, preset: null });
    expect(plan.ids.misfit.map((m: { id: string }) => m.id)).toEqual(['c0ffee00c0ffee00c0ffee00c0ffee00', T1, T2]);
    expect(plan.skipped).toEqual([
      { path: join(home, '.taskr', 'work.db'), row: 'tasks dead0000dead0000dead0000dead0000', line: null, what: 'task An old idea', why: 'deleted in taskr at 2024-01-02 09:00:00' },
      { path: join(home, '.taskr', 'work.db'), row: 'tasks beef0000beef0000beef0000beef0000', line: null, what: 'task Review the API', why: 'unknown status "review" (taskr\'s are open, in_progress, done, cancelled)' },
      { path: join(home, '.taskr', 'work.db'), row: null, line: null, what: '1 claim and release rows', why: 'they are about acme/other, not this repository (acme/weather)' },
      { path: join(home, '.taskr', 'work.db'), row: null, line: null, what: '1 activity rows of type "devlog"', why: 'only claims and releases are history sortie keeps' },
      { path: join(home, '.taskr', 'work.db'), row: 'agent_sessions s-other', line: null, what: 'session s-other', why: 'its work was on acme/other, not this repository' },
    ]);
    const text = run(['import', 'taskr']);
    expect(text.stdout).toContain('or give them new ids: sortie import taskr --map-ids');
    expect(run(['import', 'taskr', '--apply']).code).toBe(2);
    expect(treeState(repo.dir)).toEqual(tree);
    expect(treeState(join(home, '.taskr'), [])).toEqual(source);
    expect(dbFileState(repo)).toEqual(dbFile);
  });

  test('--map-ids --apply: tasks, sessions as missions, claims as history; a second run adds nothing; status and SessionStart', () => {
    const { repo, home, run } = setup();
    const source = treeState(join(home, '.taskr'), []);
    const r = run(['import', 'taskr', '--map-ids', '--apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.ids.mapped.map((m: { from: string; to: string }) => `${m.from} -> ${m.to}`)).toEqual(['c0ffee00c0ffee00c0ffee00c0ffee00 -> TASK-1', `${T1} -> TASK-2`, `${T2} -> TASK-3`]);
    const file = (id: string) => repo.read(rows<{ path: string }>(repo, 'SELECT path FROM tasks WHERE id = ?', id)[0]!.path.slice(repo.dir.length + 1));
    expect(file('TASK-2')).toContain(['status: UNDERWAY', 'priority: high', 'labels: [auth, oauth]', 'created: 2024-01-10T09:00:00.000Z', `source: "taskr:task/${T1}"`].join('\n'));
    expect(file('TASK-2')).toContain('taskr assignee: claude-code');
    expect(file('TASK-1')).toContain('closed: 2024-01-12T16:00:00.000Z');

    const missions = rows(repo, 'SELECT codename, agent, started_at, ended_at, end_reason, handoff, summary FROM missions ORDER BY id');
    const given = givenNames(repo, 3);
    expect(missions).toEqual([
      { codename: given[0], agent: 'codex', started_at: '2024-01-14T08:00:00.000Z', ended_at: '2024-01-14T09:00:00.000Z', end_reason: 'completed', handoff: null, summary: 'Fixed typo in README' },
      { codename: given[1], agent: 'claude-code', started_at: '2024-01-15T09:00:00.123Z', ended_at: '2024-01-15T12:00:00.654Z', end_reason: 'completed', handoff: 'Priority: finish OAuth integration. Blocked on #42.', summary: 'Completed database migration, started OAuth work\nContext: Working on authentication refactor' },
      { codename: given[2], agent: 'claude-code', started_at: '2024-01-16T09:00:00.000Z', ended_at: '2024-01-16T10:30:00.000Z', end_reason: 'abandoned', handoff: null, summary: null },
    ]);
    // Claims and releases became history at their times; nothing is a live claim.
    expect(count(repo, 'SELECT COUNT(*) FROM claims')).toBe(0);
    expect(
      rows(repo, "SELECT a.kind, a.at, a.task_id, json_extract(a.detail, '$.work') AS work, json_extract(a.detail, '$.reason') AS reason, json_extract(a.detail, '$.note') AS note, m.codename FROM activity a LEFT JOIN missions m ON m.id = a.mission_id WHERE a.kind IN ('task.claimed', 'task.released', 'task.handoff') ORDER BY a.at"),
    ).toEqual([
      { kind: 'task.claimed', at: '2024-01-14T08:30:00.000Z', task_id: null, work: 'qa acme/weather#7', reason: null, note: null, codename: given[0] },
      { kind: 'task.released', at: '2024-01-14T08:50:00.000Z', task_id: null, work: 'qa acme/weather#7', reason: 'blocked', note: 'waiting for API keys', codename: given[0] },
      { kind: 'task.claimed', at: '2024-01-15T09:05:00.000Z', task_id: null, work: 'issue acme/weather#15', reason: null, note: null, codename: given[1] },
      { kind: 'task.claimed', at: '2024-01-15T11:00:00.000Z', task_id: 'TASK-2', work: null, reason: null, note: null, codename: given[1] },
      { kind: 'task.released', at: '2024-01-15T11:50:00.000Z', task_id: null, work: 'issue acme/weather#15', reason: 'completed', note: 'Fixed in PR #16', codename: given[1] },
      { kind: 'task.handoff', at: '2024-01-15T12:00:00.654Z', task_id: 'TASK-2', work: null, reason: 'completed', note: 'Priority: finish OAuth integration. Blocked on #42.', codename: given[1] },
      { kind: 'task.claimed', at: '2024-01-16T09:10:00.000Z', task_id: null, work: 'pr acme/weather#42', reason: null, note: null, codename: given[2] },
    ]);
    const defects = a.defects.map((d: { defect: string; handled: string }) => `${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain(`the claim on task ${T1} by claude-code since 2024-01-15T11:00:00.000Z was never released (a stale claim) -> kept as history only`);
    expect(defects).toContain('the claim on acme/weather#42 by claude-code since 2024-01-16T09:10:00.000Z was never released (a stale claim)');
    expect(defects).toContain('session never ended (no ended_at) -> closed as abandoned at its last sign of life, 2024-01-16T10:30:00.000Z (its last update or claim)');
    expect(defects).toMatch(/\d+ times have no time zone -> read as UTC/);
    expect(defects).toContain('this taskr database belongs to the user, not to this repository');
    expect(defects).toContain('tags are not a JSON array (not json) -> imported without labels');
    expect(treeState(join(home, '.taskr'), [])).toEqual(source);

    const tree = treeState(repo.dir);
    const db = dbRows(repo);
    const again = run(['import', 'taskr', '--map-ids', '--apply']);
    expect(again.stdout).toContain('0 to create (0 tasks, 0 missions, 0 history events), 0 to change, 12 already imported, 5 skipped');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(db);
    // Without --map-ids too: every task is known by its source id already.
    expect(run(['import', 'taskr', '--json']).json()).toMatchObject({ ids: { blocked: false }, counts: { create: 0 } });

    const status = repo.sortie(['status', '--json']).json();
    expect(status.waiting.map((t: { id: string }) => t.id)).toEqual(['TASK-2']);
    expect(status.ready.map((t: { id: string }) => t.id)).toEqual(['TASK-3']);
    const context = sessionStart(repo, 't-1');
    expect(context).toContain(`From ${given[1]} (claude-code, ended 2024-01-15T12:00Z, completed, imported from taskr):\n  Priority: finish OAuth integration. Blocked on #42.`);
    expect(context).toContain(`- TASK-2 (from ${given[1]}, 2024-01-15T12:00Z): Priority: finish OAuth integration. Blocked on #42.`);
  });

  test('bad input: a corrupt database, and a repository with its own .taskr/taskr.db', () => {
    const { repo, run } = setup();
    repo.write('.taskr/taskr.db', 'garbage'.repeat(200));
    const r = run(['import', 'taskr', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().read).toEqual([]);
    expect(r.json().skipped).toEqual([{ path: '.taskr/taskr.db', row: null, line: null, what: 'the taskr database', why: 'not a readable SQLite database (SQLITE_NOTADB)' }]);
    const explicit = run(['import', 'taskr', 'nope/taskr.db']);
    expect(explicit.code).toBe(2);
    expect(explicit.stderr).toContain('nope/taskr.db: no such file or folder');
    const none = repo.sortie(['import', 'taskr'], { env: { HOME: join(repo.dir, 'no-home') } });
    expect(none.code).toBe(0); // the repository's own (corrupt) database is still found first
  });
});
