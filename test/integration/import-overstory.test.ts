/**
 * `sortie import overstory` against a session store built from overstory's format: a WAL database
 * held open by a writer (as a running overstory holds it) plus the legacy sessions.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbFileState, dbRows, rows, sessionStart, treeState } from '../helpers/import/common.js';
import { buildOverstory } from '../helpers/import/overstory.js';
import { ROOT, makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function alive(): Promise<ChildProcess> {
  const p = spawn(process.execPath, [join(ROOT, 'test', 'helpers', 'alive.mjs')], { stdio: ['ignore', 'pipe', 'ignore'] });
  cleanups.push(() => p.kill('SIGKILL'));
  return new Promise((res) => p.stdout!.once('data', () => res(p)));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function setup(): Promise<{ repo: TempRepo; live: ChildProcess; liveSince: string }> {
  const repo = makeRepo({ name: 'import-ov' });
  cleanups.push(() => repo.cleanup());
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login redirect', '--prefix', 'AUTH']).code).toBe(0); // AUTH-1
  expect(repo.sortie(['task', 'new', 'Session cookie', '--prefix', 'AUTH']).code).toBe(0); // AUTH-2
  const live = await alive();
  const liveSince = new Date(Date.now() - 60_000).toISOString();
  const fx = buildOverstory(repo, { deadPid: deadPid(), livePid: live.pid!, liveSince, liveTask: 'AUTH-2', pastTask: 'AUTH-1' });
  cleanups.unshift(() => fx.writer.close());
  return { repo, live, liveSince };
}

describe('sortie import overstory', () => {
  test('the plan reads the live WAL database without touching it and changes nothing on disk', async () => {
    const { repo } = await setup();
    const tree = treeState(repo.dir);
    const dbFile = dbFileState(repo);
    const before = dbRows(repo);
    const r = repo.sortie(['import', 'overstory', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.json();
    expect(plan.read).toEqual(['.overstory/sessions.db', '.overstory/sessions.json']);
    // Rows still in the writer's WAL are read (the copy takes the -wal with it).
    expect(plan.create.missions.map((m: { codename: string }) => m.codename)).toEqual(['builder-1', 'lead-1', 'builder-1', 'scout-1', 'reviewer-1', 'builder-2']);
    expect(plan.skipped).toEqual([{ path: '.overstory/sessions.db', row: 'sessions mystery-1', line: null, what: 'session s-x (mystery-1)', why: expect.stringContaining('unknown state "sleeping"') }]);
    expect(plan.change).toEqual([
      { task: 'AUTH-1', path: expect.stringMatching(/^\.sortie\/tasks\/AUTH-1-/), addLabels: ['run:run-1'], why: ['worked on in overstory run run-1'] },
      { task: 'AUTH-2', path: expect.stringMatching(/^\.sortie\/tasks\/AUTH-2-/), addLabels: ['run:run-2'], why: ['worked on in overstory run run-2'] },
    ]);
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbFileState(repo)).toEqual(dbFile);
    expect(dbRows(repo)).toEqual(before);
  });

  test('--apply: ended missions, a provably live one with its live claim, runs as labels; idempotent; the source untouched', async () => {
    const { repo, live, liveSince } = await setup();
    const source = treeState(join(repo.dir, '.overstory'), []);
    const r = repo.sortie(['import', 'overstory', '--apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.result.labels).toEqual([
      { task: 'AUTH-1', add: ['run:run-1'] },
      { task: 'AUTH-2', add: ['run:run-2'] },
    ]);
    const missions = rows(repo, 'SELECT id, codename, agent, persona, role, branch, started_at, ended_at, end_reason, pid, parent_id, source FROM missions ORDER BY id');
    const byName = (n: string, i = 0) => missions.filter((m) => m.codename === n)[i]!;
    expect(byName('builder-1', 0)).toMatchObject({ source: 'overstory:session/s-b1-old', ended_at: '2026-02-27T11:30:00.000Z', end_reason: 'completed', parent_id: null });
    expect(byName('lead-1')).toMatchObject({ agent: 'claude-code', persona: 'lead-1', role: 'lead', branch: 'overstory/lead-1/AUTH-1', ended_at: '2026-03-01T12:00:00.000Z', end_reason: 'completed' });
    expect(byName('builder-1', 1)).toMatchObject({ source: 'overstory:session/s-b1', ended_at: '2026-03-01T10:40:00.000Z', end_reason: 'abandoned', parent_id: byName('lead-1').id, pid: null });
    expect(byName('scout-1')).toMatchObject({ ended_at: '2026-03-01T10:20:00.000Z', end_reason: 'abandoned' });
    expect(byName('reviewer-1')).toMatchObject({ ended_at: '2026-03-01T11:00:00.000Z', end_reason: 'abandoned' });
    // The one agent whose process runs and which was active lately stays live, holding its task.
    expect(byName('builder-2')).toMatchObject({ ended_at: null, end_reason: null, pid: live.pid, started_at: liveSince });
    expect(a.result.claims).toEqual([{ task: 'AUTH-2', mission: byName('builder-2').id }]);
    expect(rows(repo, 'SELECT task_id, mission_id FROM claims WHERE released_at IS NULL')).toEqual([{ task_id: 'AUTH-2', mission_id: byName('builder-2').id }]);
    expect(repo.read(rows<{ path: string }>(repo, "SELECT path FROM tasks WHERE id = 'AUTH-2'")[0]!.path.slice(repo.dir.length + 1))).toMatch(/status: UNDERWAY\n[\s\S]*labels: \["run:run-2"\]/);
    // Beads that are no sortie task are history on the work item; AUTH-1's history is on the task.
    expect(rows(repo, "SELECT kind, at, task_id, json_extract(detail, '$.work') AS work FROM activity WHERE kind IN ('task.claimed', 'task.released') AND mission_id = ? ORDER BY at", byName('builder-1', 1).id)).toEqual([
      { kind: 'task.claimed', at: '2026-03-01T10:05:00.000Z', task_id: null, work: 'bd-a1f2' },
      { kind: 'task.released', at: '2026-03-01T10:40:00.000Z', task_id: null, work: 'bd-a1f2' },
    ]);
    expect(rows(repo, "SELECT kind, task_id FROM activity WHERE task_id = 'AUTH-1' AND kind != 'task.created' ORDER BY at")).toEqual([
      { kind: 'task.claimed', task_id: 'AUTH-1' },
      { kind: 'task.released', task_id: 'AUTH-1' },
    ]);
    const defects = a.defects.map((d: { defect: string; handled: string }) => `${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain('session s-b1-old of builder-1 is only in sessions.json: the database row for that agent name was overwritten by a later session (s-b1) -> imported from sessions.json');
    expect(defects).toMatch(/left working for ever \(process \d+ is gone\) -> closed as abandoned at its last activity, 2026-03-01T10:40:00.000Z/);
    expect(defects).toContain('scout-1 is a zombie (overstory found its process gone) -> closed as abandoned at its last activity, 2026-03-01T10:20:00.000Z');
    expect(defects).toContain('left stalled for ever -> closed as abandoned at its last activity, 2026-03-01T11:00:00.000Z');
    expect(defects).toContain(`builder-2 is working and its process ${live.pid} is running -> imported as a live mission`);

    expect(treeState(join(repo.dir, '.overstory'), [])).toEqual(source);

    // Again: nothing new, nothing changed.
    const tree = treeState(repo.dir);
    const db = dbRows(repo);
    const again = repo.sortie(['import', 'overstory', '--apply']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 to create (0 tasks, 0 missions, 0 history events), 0 to change, 6 already imported, 1 skipped');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(db);
    expect(count(repo, 'SELECT COUNT(*) FROM imports')).toBe(6);

    // status shows the live import and its claim; a SessionStart shows it and the last handoff.
    const status = repo.sortie(['status', '--json']).json();
    expect(status.missions.filter((m: { kind: string }) => m.kind === 'agent')).toEqual([expect.objectContaining({ codename: 'builder-2', claims: [expect.objectContaining({ task: 'AUTH-2', since: expect.any(String) })] })]);
    expect(status.ready.map((t: { id: string }) => t.id)).toEqual(['AUTH-1']);
    const context = sessionStart(repo, 'ov-1');
    expect(context).toContain('From lead-1 (claude-code, ended 2026-03-01T12:00Z, completed, imported from overstory):\n  overstory lead lead-1 on AUTH-1; run run-1 (completed, Sprint: auth); state completed');
    expect(context).toContain('- builder-2 (claude-code, overstory/builder-2/AUTH-2): holds AUTH-2');

    // Once its process is gone, normal reaping closes it and AUTH-2 waits for pickup.
    live.kill('SIGKILL');
    await new Promise((res) => live.once('exit', res));
    const next = sessionStart(repo, 'ov-2');
    expect(next).toContain('builder-2 (claude-code) was found dead and closed; its tasks AUTH-2 are waiting for pickup');
  });

  test('bad input: malformed sessions.json is reported with its line; an empty database falls back to the JSON file', async () => {
    const repo = makeRepo({ name: 'import-ov-bad' });
    cleanups.push(() => repo.cleanup());
    expect(repo.sortie(['init', '--no-git']).code).toBe(0);
    repo.write('.overstory/sessions.json', '[\n  {"id": "s1", "agentName": "a",\n  oops\n]\n');
    const r = repo.sortie(['import', 'overstory', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().skipped).toEqual([{ path: '.overstory/sessions.json', row: null, line: 3, what: 'sessions.json', why: expect.stringContaining('not valid JSON') }]);
    expect(r.json().counts.create).toBe(0);

    // overstory-036f: sessions.db created empty, the sessions still in sessions.json.
    const empty = makeRepo({ name: 'import-ov-empty' });
    cleanups.push(() => empty.cleanup());
    expect(empty.sortie(['init', '--no-git']).code).toBe(0);
    const fx = buildOverstory(empty, { deadPid: deadPid(), livePid: deadPid(), liveSince: '2026-03-02T00:00:00.000Z', liveTask: 'bd-1', pastTask: 'bd-2' });
    fx.writer.exec('DELETE FROM sessions');
    fx.writer.close();
    const e = empty.sortie(['import', 'overstory', '--json']).json();
    expect(e.defects).toContainEqual(expect.objectContaining({ path: '.overstory/sessions.db', defect: 'sessions.db is empty while sessions.json has sessions (the migration never ran)' }));
    expect(e.create.missions.map((m: { codename: string }) => m.codename)).toEqual(['builder-1', 'lead-1']);

    // A database that is not one: reported, and sessions.json read instead.
    writeFileSync(join(empty.dir, '.overstory', 'sessions.db'), 'not a database at all, just text that is long enough to look like a header..........');
    const c = empty.sortie(['import', 'overstory', '--json']).json();
    expect(c.skipped).toContainEqual({ path: '.overstory/sessions.db', row: null, line: null, what: 'the session database', why: expect.stringMatching(/^not a readable SQLite database \(SQLITE_NOTADB\); sessions.json is read instead$/) });
    expect(c.create.missions).toHaveLength(2);
  });
});
