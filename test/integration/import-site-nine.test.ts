/**
 * `sortie import site-nine` against a site-nine project built from its documented format (real
 * SQLite database, real mission and task files, real git history), with its known defects.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbFileState, dbRows, rows, sessionStart, sqlite, treeState } from '../helpers/import/common.js';
import { buildSiteNine, buildSiteNineAgents } from '../helpers/import/site-nine.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(preset?: string): TempRepo {
  const repo = makeRepo({ name: 'import-s9' });
  cleanups.push(() => repo.cleanup());
  buildSiteNine(repo);
  const init = repo.sortie(['init', '--no-git']);
  expect(init.code, init.stderr).toBe(0);
  if (preset) repo.write('.sortierc.json', JSON.stringify({ extends: preset }));
  expect(repo.sortie(['status']).code).toBe(0);
  return repo;
}

const fm = (repo: TempRepo, id: string): string => {
  const file = rows<{ path: string }>(repo, 'SELECT path FROM tasks WHERE id = ?', id)[0]?.path;
  if (!file) throw new Error(`no task ${id}`);
  return repo.read(file.slice(repo.dir.length + 1));
};

describe('sortie import site-nine', () => {
  test('a dry run shows the plan, proposes the site-nine preset, and changes nothing on disk; --apply refuses', () => {
    const repo = setup();
    const tree = treeState(repo.dir);
    const dbFile = dbFileState(repo);
    const before = dbRows(repo);

    const text = repo.sortie(['import', 'site-nine']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('sortie import site-nine: dry run, nothing written (add --apply to import)');
    expect(text.stdout).toContain('ids: 5 task ids do not match tasks.idPattern [A-Z][A-Z0-9]+-[0-9]+');
    expect(text.stdout).toContain('they fit the site-nine preset: set "extends": "site-nine" in .sortierc.json, run `sortie init`, then import again');
    expect(text.stdout).toContain('13 to create (5 tasks, 5 missions, 3 history events), 0 to change, 0 already imported, 3 skipped');

    const plan = repo.sortie(['import', 'site-nine', '--json']).json();
    expect(plan.applied).toBe(false);
    expect(plan.ids).toMatchObject({ fit: false, blocked: true, preset: { name: 'site-nine' } });
    expect(plan.create.tasks.map((t: { id: string }) => t.id)).toEqual(['OPR-H-0032', 'OPR-H-0040', 'ENG-M-0041', 'OPR-H-0043', 'OPR-M-0050']);
    expect(plan.read).toContain('.opencode/data/project.db');
    // Bad records are reported with their path and row or line, and skipped.
    expect(plan.skipped).toEqual([
      { path: '.opencode/data/project.db', row: 'tasks DOC-L-0042', line: null, what: 'task DOC-L-0042', why: expect.stringContaining('unknown status "DONE"') },
      { path: '.opencode/data/project.db', row: 'handoffs 2', line: null, what: 'handoff 2', why: 'deleted in site-nine at 2026-02-03 21:27:00' },
      { path: '.opencode/work/missions/2026-02-06.10:00:00.tester.loki-ii.broken.md', row: null, line: 4, what: 'mission file', why: expect.stringContaining('invalid YAML front matter') },
    ]);

    const refused = repo.sortie(['import', 'site-nine', '--apply']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('5 task ids from site-nine (OPR-H-0032, OPR-H-0040, ENG-M-0041, ...) do not match tasks.idPattern');
    expect(refused.stderr).toContain('nothing was imported');
    expect(refused.stderr).toContain('or keep your ids and add --map-ids');

    const check = repo.sortie(['import', 'site-nine', '--preset-check', '--json']);
    expect(check.code).toBe(1);
    expect(check.json()).toMatchObject({ fit: false, preset: { name: 'site-nine' } });

    // Nothing changed: the tree (source included, mtimes included), sortie's database file, its rows.
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbFileState(repo)).toEqual(dbFile);
    expect(dbRows(repo)).toEqual(before);
  });

  test('with the site-nine preset, --apply creates what the plan said, a second run adds nothing, and the source is untouched', () => {
    const repo = setup('site-nine');
    const source = treeState(join(repo.dir, '.opencode'), []);
    const plan = repo.sortie(['import', 'site-nine', '--json']).json();
    expect(plan.ids).toMatchObject({ fit: true, blocked: false, mapped: [] });

    const applied = repo.sortie(['import', 'site-nine', '--apply', '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const a = applied.json();
    expect(a.applied).toBe(true);
    expect(a.result.tasks.map((t: { id: string }) => t.id)).toEqual(plan.create.tasks.map((t: { id: string }) => t.id));
    expect(a.result.missions.map((m: { codename: string }) => m.codename)).toEqual(['loki', 'crimson-falcon', 'swift-thunder', 'void-matrix', 'bold-shadow']);
    expect(a.result.events).toBe(plan.counts.events);
    for (const t of a.result.tasks) expect(t.path).toMatch(new RegExp(`^\\.sortie/tasks/${t.id}-`));

    // Task files carry the front matter sortie reads, plus closed and source.
    expect(fm(repo, 'OPR-H-0032')).toContain(
      [
        'id: OPR-H-0032',
        'title: Unify agent and session concepts into single session entity',
        'status: COMPLETE',
        'priority: high',
        'role: Operator',
        'labels: [refactor, "epic:entity-model-clarity"]',
        'created: 2026-02-01T10:00:00.000Z',
        'closed: 2026-02-04T05:28:09.000Z',
        'source: "site-nine:OPR-H-0032"',
      ].join('\n'),
    );
    expect(fm(repo, 'OPR-H-0032')).toContain('Refactor the entity model (see ADR-006).');
    expect(fm(repo, 'OPR-H-0043')).toContain('depends_on: [OPR-H-0032]');
    // The markdown copy was newer than the database and said BLOCKED.
    expect(fm(repo, 'ENG-M-0041')).toContain('status: BLOCKED');
    expect(fm(repo, 'OPR-M-0050')).toContain('source: "site-nine:OPR-M-0050"');
    expect(count(repo, "SELECT COUNT(*) FROM tasks WHERE id = 'DOC-L-0042'")).toBe(0);

    // Missions: ended, with their codenames, personas, roles, reconstructed ends and handoffs.
    const missions = rows(repo, 'SELECT codename, agent, persona, role, started_at, ended_at, end_reason, handoff, summary, source FROM missions ORDER BY id');
    expect(missions).toEqual([
      { codename: 'loki', agent: 'opencode', persona: 'loki', role: 'tester', started_at: '2026-02-01T15:00:00.000Z', ended_at: '2026-02-01T16:15:00.000Z', end_reason: 'completed', handoff: null, summary: 'Found the flaky test: a shared temp folder.', source: 'site-nine:file/2026-02-01.10:00:00.tester.loki.flaky-tests.md' },
      { codename: 'crimson-falcon', agent: 'opencode', persona: 'thoth', role: 'Documentarian', started_at: '2026-02-02T13:00:00.000Z', ended_at: '2026-02-02T17:40:00.000Z', end_reason: 'abandoned', handoff: 'Finish closing the abandoned missions: 6 of 11 done, list in the work log.', summary: 'Document the mission model', source: 'site-nine:mission/3' },
      { codename: 'swift-thunder', agent: 'opencode', persona: 'hemera', role: 'Operator', started_at: '2026-02-03T14:02:11.000Z', ended_at: '2026-02-03T21:30:00.000Z', end_reason: 'completed', handoff: 'Engineer: show codenames on the dashboard (OPR-H-0043).', summary: 'ADR-006 written and approved; codenames assigned to all 38 missions.', source: 'site-nine:mission/1' },
      { codename: 'void-matrix', agent: 'opencode', persona: 'nyx', role: 'Architect', started_at: '2026-02-04T04:30:00.000Z', ended_at: '2026-02-04T05:45:00.000Z', end_reason: 'completed', handoff: null, summary: 'Reviewed ADR-006 late at night; approved with two remarks.', source: 'site-nine:mission/2' },
      { codename: 'bold-shadow', agent: 'opencode', persona: 'atlas', role: 'Engineer', started_at: '2026-02-05T13:00:00.000Z', ended_at: '2026-02-05T17:00:00.000Z', end_reason: 'completed', handoff: null, summary: 'CLI split into modules.', source: 'site-nine:mission/4' },
    ]);
    // Claims became history, not live claims; handoffs became task.handoff rows at their times.
    expect(count(repo, 'SELECT COUNT(*) FROM claims')).toBe(0);
    expect(rows(repo, "SELECT a.kind, a.at, a.task_id, m.codename FROM activity a JOIN missions m ON m.id = a.mission_id WHERE a.kind IN ('task.claimed', 'task.handoff', 'task.released') ORDER BY a.at")).toEqual([
      { kind: 'task.claimed', at: '2026-02-02T13:05:00.000Z', task_id: 'OPR-H-0040', codename: 'crimson-falcon' },
      { kind: 'task.handoff', at: '2026-02-02T17:40:00.000Z', task_id: 'OPR-H-0040', codename: 'crimson-falcon' },
      { kind: 'task.handoff', at: '2026-02-03T21:25:00.000Z', task_id: 'OPR-H-0043', codename: 'swift-thunder' },
    ]);

    // Every known defect was met and reported with what was done.
    const defects = a.defects.map((d: { path: string; row?: string; defect: string; handled: string }) => `${d.path}${d.row ? ` (${d.row})` : ''}: ${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain('(missions 1): UTC start 2026-02-03T14:02:11.000Z with a local end time "16:30:00" that has no date -> end reconstructed as 2026-02-03T21:30:00.000Z');
    expect(defects).toContain('zone from the front matter start is local time UTC-05:00');
    expect(defects).toContain('end reconstructed as 2026-02-04T05:45:00.000Z');
    expect(defects).toContain('of the mission file (UTC-05:00); it ends before its start on that day, so the next day is taken');
    expect(defects).toMatch(/\(missions 3\): left open for ever \(no end time\) -> closed as abandoned at its last sign of life, 2026-02-02T17:40:00.000Z \(its mission file \(git commit [0-9a-f]+\)\)/);
    expect(defects).toContain('crimson-falcon.docs.md: its mission file has no front matter -> the database row is used');
    expect(defects).toContain('bold-shadow.refactor.md: mission file disagrees with the database on end_time (database: 11:00:00, file: 12:00:00) -> the file is newer');
    expect(defects).toContain('ENG-M-0041.md: the markdown copy of ENG-M-0041 disagrees with the database on status (database: TODO, file: BLOCKED) -> the file is newer');
    expect(defects).toContain('OPR-M-0050.md: OPR-M-0050 is only in its markdown file, not in the database -> imported from the file');
    expect(defects).toContain('loki.flaky-tests.md: not in the database: its start 2026-02-01 10:00:00 is local time');

    // The source is byte for byte what it was, mtimes included.
    expect(treeState(join(repo.dir, '.opencode'), [])).toEqual(source);
    expect(count(repo, 'SELECT COUNT(*) FROM imports')).toBe(11);

    // A second run plans nothing and changes nothing.
    const tree = treeState(repo.dir);
    const db = dbRows(repo);
    const again = repo.sortie(['import', 'site-nine', '--apply']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 to create (0 tasks, 0 missions, 0 history events), 0 to change, 11 already imported, 3 skipped');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(db);

    // sortie status and a real SessionStart show the imported backlog and the last handoff.
    const status = repo.sortie(['status', '--json']).json();
    expect(status.waiting.map((t: { id: string }) => t.id)).toEqual(['OPR-H-0040']);
    expect(status.ready.map((t: { id: string }) => t.id)).toEqual(['OPR-H-0043', 'OPR-M-0050']);
    expect(status.counts).toEqual({ BLOCKED: 1, COMPLETE: 1, TODO: 2, UNDERWAY: 1 });
    const context = sessionStart(repo, 'after-import');
    expect(context).toContain('From bold-shadow (opencode, ended 2026-02-05T17:00Z, completed, imported from site-nine):\n  CLI split into modules.');
    expect(context).toContain('- OPR-H-0040 (from crimson-falcon, 2026-02-02T17:40Z): Finish closing the abandoned missions: 6 of 11 done, list in the work log.');
    expect(context).toContain('Waiting for pickup (UNDERWAY, nobody holds them; a previous mission ended mid-way):\n- OPR-H-0040 Close abandoned missions gracefully [high]');
    expect(context).toContain('- OPR-H-0043 Add mission codenames to the dashboard [high]');
    // mission show says where a mission came from, with its persona and role.
    const show = repo.sortie(['mission', 'show', 'swift-thunder']);
    expect(show.stdout).toContain('ended 2026-02-03T21:30:00.000Z (completed)\nimported from site-nine:mission/1; persona hemera (Operator)');
    expect(repo.sortie(['mission', 'show', 'swift-thunder', '--json']).json().mission).toMatchObject({ persona: 'hemera', role: 'Operator', source: 'site-nine:mission/1', handoff: 'Engineer: show codenames on the dashboard (OPR-H-0043).' });
  });

  test('--map-ids gives new ids from the configured template, prints old -> new, and rewrites dependencies', () => {
    const repo = setup();
    expect(repo.sortie(['task', 'new', 'A task of our own']).code).toBe(0); // TASK-1 is taken
    const text = repo.sortie(['import', 'site-nine', '--map-ids']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('ids mapped (old -> new), dependencies rewritten (5):');
    expect(text.stdout).toMatch(/OPR-H-0032\s+-> TASK-2\n/);
    const a = repo.sortie(['import', 'site-nine', '--map-ids', '--apply', '--json']).json();
    expect(a.ids.mapped).toEqual([
      { from: 'OPR-H-0032', to: 'TASK-2', key: 'OPR-H-0032' },
      { from: 'OPR-H-0040', to: 'TASK-3', key: 'OPR-H-0040' },
      { from: 'ENG-M-0041', to: 'TASK-4', key: 'ENG-M-0041' },
      { from: 'OPR-H-0043', to: 'TASK-5', key: 'OPR-H-0043' },
      { from: 'OPR-M-0050', to: 'TASK-6', key: 'OPR-M-0050' },
    ]);
    expect(fm(repo, 'TASK-5')).toContain('depends_on: [TASK-2]');
    expect(fm(repo, 'TASK-5')).toContain('source: "site-nine:OPR-H-0043"');
    // History follows the new ids.
    expect(rows(repo, "SELECT task_id FROM activity WHERE kind = 'task.handoff' ORDER BY at")).toEqual([{ task_id: 'TASK-3' }, { task_id: 'TASK-5' }]);
    // Mapped ids are remembered: a second run with or without --map-ids adds nothing.
    expect(repo.sortie(['import', 'site-nine', '--json']).json().counts).toMatchObject({ create: 0, already: 11 });
  });

  test('a corrupt database is reported and skipped; the markdown files are imported instead', () => {
    const repo = setup('site-nine');
    writeFileSync(join(repo.dir, '.opencode', 'data', 'project.db'), Buffer.alloc(8192, 7));
    const r = repo.sortie(['import', 'site-nine', '--apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.skipped).toContainEqual({ path: '.opencode/data/project.db', row: null, line: null, what: 'the database', why: 'not a readable SQLite database (SQLITE_NOTADB); tasks and missions are read from the markdown files only' });
    expect(a.result.tasks.map((t: { id: string }) => t.id).sort()).toEqual(['ENG-M-0041', 'OPR-H-0032', 'OPR-H-0040', 'OPR-H-0043', 'OPR-M-0050']);
    expect(a.skipped).toContainEqual(expect.objectContaining({ path: '.opencode/work/tasks/DOC-L-0042.md', what: 'task DOC-L-0042' }));
    // Without the database, the mission files are the missions; their times are local.
    expect(a.result.missions.map((m: { codename: string }) => m.codename)).toEqual(['loki', 'crimson-falcon', 'swift-thunder', 'void-matrix', 'bold-shadow']);
    // The file without front matter is read from its name: YYYY-MM-DD.HH:MM:SS.role.persona.codename.summary.
    expect(a.defects).toContainEqual(
      expect.objectContaining({
        path: '.opencode/work/missions/2026-02-02.08:00:00.documentarian.thoth-ii.crimson-falcon.docs.md',
        defect: 'no database and no front matter: its start 2026-02-02 08:00:00 is local time',
        handled: expect.stringContaining('imported from the file name, start 2026-02-02T13:00:00.000Z assuming the zone of git commit'),
      }),
    );
  });

  test('a database without the expected tables is reported, table by table', () => {
    const repo = setup('site-nine');
    const file = join(repo.dir, '.opencode', 'data', 'project.db');
    writeFileSync(file, '');
    sqlite(file, 'CREATE TABLE personas (name TEXT PRIMARY KEY)').close();
    const a = repo.sortie(['import', 'site-nine', '--json']).json();
    expect(a.skipped).toContainEqual({ path: '.opencode/data/project.db', row: null, line: null, what: 'tasks', why: 'the database has no table "tasks"; tasks are read from the markdown files only' });
    expect(a.skipped).toContainEqual({ path: '.opencode/data/project.db', row: null, line: null, what: 'missions', why: 'the database has no table "missions" (or "sessions", "agents"); missions are read from the mission files only' });
    expect(a.create.tasks).toHaveLength(5);
  });

  test('before ADR-006 (an agents table with statuses): in-progress and paused missions are closed as abandoned', () => {
    const repo = makeRepo({ name: 'import-s9-agents' });
    cleanups.push(() => repo.cleanup());
    buildSiteNineAgents(repo);
    expect(repo.sortie(['init', '--no-git']).code).toBe(0);
    repo.write('.sortierc.json', JSON.stringify({ extends: 'site-nine' }));
    // No mission file and no git history: the end time is read in this machine's zone.
    const r = repo.sortie(['import', 'site-nine', '--apply', '--json'], { env: { TZ: 'America/New_York' } });
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.skipped).toContainEqual({ path: '.opencode/data/project.db', row: 'agents 4', line: null, what: 'mission 4', why: expect.stringContaining('unknown status "sleeping"') });
    expect(rows(repo, 'SELECT codename, persona, role, started_at, ended_at, end_reason FROM missions ORDER BY id')).toEqual([
      { codename: 'terminus', persona: 'terminus', role: 'Operator', started_at: '2026-01-30T14:15:55.000Z', ended_at: '2026-01-30T20:40:00.000Z', end_reason: 'completed' },
      { codename: 'terminus-ii', persona: 'terminus-ii', role: 'Operator', started_at: '2026-02-02T15:00:00.000Z', ended_at: '2026-02-02T16:20:00.000Z', end_reason: 'abandoned' },
      { codename: 'kali', persona: 'kali', role: 'Inspector', started_at: '2026-02-02T16:00:00.000Z', ended_at: '2026-02-02T16:45:00.000Z', end_reason: 'abandoned' },
    ]);
    const defects = a.defects.map((d: { defect: string; handled: string }) => `${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain("assumed this machine's time zone (UTC-05:00, TZ=America/New_York)");
    expect(defects).toContain('left open for ever (status "paused", no end time) -> closed as abandoned at its last sign of life, 2026-02-02T16:45:00.000Z (the database row last updated); it was paused');
    expect(defects).toContain('its mission file .opencode/work/sessions/2026-02-02.10:00:00.operator.terminus-ii.cleanup.md is missing -> the database row is used alone');
    // The task it held: claimed by that mission, released when it was closed; waiting for pickup.
    expect(rows(repo, "SELECT kind, at FROM activity WHERE task_id = 'OPR-H-0005' AND kind != 'task.created' ORDER BY at")).toEqual([
      { kind: 'task.claimed', at: '2026-02-02T15:05:00.000Z' },
      { kind: 'task.released', at: '2026-02-02T16:20:00.000Z' },
    ]);
    expect(repo.sortie(['status', '--json']).json().waiting).toEqual([expect.objectContaining({ id: 'OPR-H-0005', title: 'Expand the task database', priority: 'high', status: 'UNDERWAY', holder: null })]);
  });
});
