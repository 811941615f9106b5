/** `sortie import sessions` against `.agents/sessions/*.md` files built from their documented format. */
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbFileState, dbRows, givenNames, rows, sessionStart, treeState } from '../helpers/import/common.js';
import { buildSessions } from '../helpers/import/sessions.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(): TempRepo {
  const repo = makeRepo({ name: 'import-sessions' });
  cleanups.push(() => repo.cleanup());
  buildSessions(repo);
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  expect(repo.sortie(['status']).code).toBe(0);
  return repo;
}

describe('sortie import sessions', () => {
  test('the plan: missions and tasks from the files, bad files reported with their line; nothing on disk changes', () => {
    const repo = setup();
    const tree = treeState(repo.dir);
    const dbFile = dbFileState(repo);
    const before = dbRows(repo);
    const r = repo.sortie(['import', 'sessions', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.json();
    expect(plan.ids).toMatchObject({ fit: true, blocked: false });
    expect(plan.skipped).toEqual([
      { path: '.agents/sessions/20251207-120000-broken.md', row: null, line: 5, what: 'session file', why: expect.stringContaining('invalid YAML front matter') },
      { path: '.agents/sessions/20251208-120000-done-status.md', row: null, line: 4, what: 'session file', why: 'unknown status "done" (a session is in_progress, paused or completed)' },
      { path: '.agents/sessions/20251209-120000-no-frontmatter.md', row: null, line: 1, what: 'session file', why: 'no front matter (a session file starts with --- and a session: block)' },
    ]);
    expect(plan.create.tasks.map((t: { id: string; status: string }) => `${t.id} ${t.status}`).sort()).toEqual([
      'BACK-100 COMPLETE',
      'BACK-120 UNDERWAY',
      'BACK-123 TODO',
      'BACK-124 COMPLETE',
      'BACK-125 TODO',
      'BACK-130 TODO',
    ]);
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbFileState(repo)).toEqual(dbFile);
    expect(dbRows(repo)).toEqual(before);
  });

  test('--apply creates what the plan said; a second run adds nothing; status and SessionStart show the backlog and the handoff', () => {
    const repo = setup();
    const source = treeState(join(repo.dir, '.agents'), []);
    const plan = repo.sortie(['import', 'sessions', '--json']).json();
    const r = repo.sortie(['import', 'sessions', '--apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.result.tasks.map((t: { id: string }) => t.id)).toEqual(plan.create.tasks.map((t: { id: string }) => t.id));
    const given = givenNames(repo, 4);
    expect(rows(repo, 'SELECT codename, agent, started_at, ended_at, end_reason, source FROM missions ORDER BY id')).toEqual([
      { codename: given[0], agent: 'claude-code', started_at: '2025-12-01T09:00:00.000Z', ended_at: '2025-12-02T17:00:00.000Z', end_reason: 'completed', source: 'sessions:20251201-090000-auth-cleanup.md' },
      { codename: given[1], agent: 'claude-code', started_at: '2025-12-03T08:00:00.000Z', ended_at: '2025-12-03T09:00:00.000Z', end_reason: 'completed', source: 'sessions:weather-notes.md' },
      { codename: given[2], agent: 'claude-code', started_at: '2025-12-04T14:30:00.000Z', ended_at: '2025-12-07T09:15:00.000Z', end_reason: 'abandoned', source: 'sessions:20251204-143000-weather-fallback.md' },
      { codename: given[3], agent: 'claude-code', started_at: '2025-12-06T10:00:00.000Z', ended_at: '2025-12-06T18:00:00.000Z', end_reason: 'paused', source: 'sessions:20251206-100000-paused-migration.md' },
    ]);
    const weather = rows<{ handoff: string; summary: string }>(repo, "SELECT handoff, summary FROM missions WHERE source = 'sessions:20251204-143000-weather-fallback.md'")[0]!;
    expect(weather.handoff).toBe(
      'Current state:\nThe fallback client works; the forecast service does not call it yet. Flag WEATHER_FALLBACK is off.\n\nNext steps:\n1. Call the fallback in forecast.py when the primary times out.\n2. Turn the flag on in staging.',
    );
    expect(weather.summary).toContain('Linear: BACK-120 (https://linear.app/acme/issue/BACK-120)');
    expect(weather.summary).toContain('Spawned backend-dev (completed): Add fallback provider -> OpenMeteo client added behind a flag');
    const file = (id: string) => repo.read(rows<{ path: string }>(repo, 'SELECT path FROM tasks WHERE id = ?', id)[0]!.path.slice(repo.dir.length + 1));
    // Wave 2 waits for wave 1; the issue in two sessions stands where the newer session says.
    expect(file('BACK-125')).toContain('depends_on: [BACK-123, BACK-124]');
    expect(file('BACK-124')).toContain('status: COMPLETE');
    expect(file('BACK-124')).toContain('labels: ["session:auth-cleanup", "session:weather-fallback"]');
    expect(file('BACK-120')).toContain('source: "sessions:BACK-120"');
    const defects = a.defects.map((d: { path: string; defect: string; handled: string }) => `${d.path}: ${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain('weather-fallback.md: status in_progress with nobody working on it (sessions are never closed by a process) -> closed as abandoned at its last sign of life, 2025-12-07T09:15:00.000Z (its last Session Log entry (read as UTC))');
    expect(defects).toContain('weather-notes.md: the file name has no YYYYMMDD-HHMMSS timestamp -> its start is taken from session.created');
    expect(defects).toContain('BACK-124 is also in 20251201-090000-auth-cleanup.md -> the more recently updated session (20251204-143000-weather-fallback.md) says where it stands');
    expect(treeState(join(repo.dir, '.agents'), [])).toEqual(source);

    const tree = treeState(repo.dir);
    const db = dbRows(repo);
    const again = repo.sortie(['import', 'sessions', '--apply']);
    expect(again.stdout).toContain('0 to create (0 tasks, 0 missions, 0 history events), 0 to change, 10 already imported, 3 skipped');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(db);
    expect(count(repo, 'SELECT COUNT(*) FROM imports')).toBe(10);

    const status = repo.sortie(['status', '--json']).json();
    expect(status.waiting.map((t: { id: string }) => t.id)).toEqual(['BACK-120']);
    expect(status.ready.map((t: { id: string }) => t.id)).toEqual(['BACK-123', 'BACK-130']);
    const context = sessionStart(repo, 's-1');
    expect(context).toContain(`From ${given[2]} (claude-code, ended 2025-12-07T09:15Z, abandoned, imported from sessions):\n  Current state:`);
    expect(context).toContain(`- BACK-120 (from ${given[2]}, 2025-12-07T09:15Z): Current state: The fallback client works;`);
    expect(context).toContain('- BACK-123 Add fallback provider [medium]');
  });
});
