/** `sortie import workstreams` against `work/<stream>/tasks.json` and `threads.json` built from their format. */
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbFileState, dbRows, givenNames, rows, sessionStart, treeState } from '../helpers/import/common.js';
import { buildWorkstreams } from '../helpers/import/workstreams.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(): TempRepo {
  const repo = makeRepo({ name: 'import-ws' });
  cleanups.push(() => repo.cleanup());
  buildWorkstreams(repo);
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  expect(repo.sortie(['status']).code).toBe(0);
  return repo;
}

describe('sortie import workstreams', () => {
  test('the plan: every stream under work/, malformed files and unknown statuses reported; nothing on disk changes', () => {
    const repo = setup();
    const tree = treeState(repo.dir);
    const dbFile = dbFileState(repo);
    const before = dbRows(repo);
    const r = repo.sortie(['import', 'workstreams', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = r.json();
    expect(plan.read).toEqual(['work/005-session-tracking/tasks.json', 'work/005-session-tracking/threads.json', 'work/006-ux/tasks.json', 'work/007-broken/tasks.json']);
    expect(plan.skipped).toEqual([
      { path: 'work/005-session-tracking/tasks.json', row: 'tasks[6]', line: null, what: 'task 02.02.01.01', why: 'unknown status "paused" (workstreams\' are pending, in_progress, completed, blocked, cancelled)' },
      { path: 'work/007-broken/tasks.json', row: null, line: 4, what: 'tasks.json', why: expect.stringMatching(/^not valid JSON \(.*\); nothing from this file is imported$/) },
    ]);
    expect(plan.ids).toMatchObject({ blocked: true, preset: null });
    expect(plan.ids.misfit).toHaveLength(8);
    expect(repo.sortie(['import', 'workstreams']).stdout).toContain('or give them new ids: sortie import workstreams --map-ids');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbFileState(repo)).toEqual(dbFile);
    expect(dbRows(repo)).toEqual(before);
  });

  test('--map-ids --apply: tasks with batch order as dependencies, sessions as missions; idempotent; status and SessionStart', () => {
    const repo = setup();
    const source = treeState(join(repo.dir, 'work'), []);
    const text = repo.sortie(['import', 'workstreams', '--map-ids']);
    expect(text.stdout).toMatch(/01\.01\.02\.01\s+-> TASK-3 {2}\(005-session-tracking\/01\.01\.02\.01\)/);
    const r = repo.sortie(['import', 'workstreams', '--map-ids', '--apply', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const a = r.json();
    expect(a.ids.mapped.map((m: { key: string; to: string }) => `${m.key} ${m.to}`)).toEqual([
      '005-session-tracking/01.01.01.01 TASK-1',
      '005-session-tracking/01.01.01.02 TASK-2',
      '005-session-tracking/01.01.02.01 TASK-3',
      '005-session-tracking/01.02.01.01 TASK-4',
      '005-session-tracking/02.01.01.01 TASK-5',
      '005-session-tracking/02.01.01.02 TASK-6',
      '006-ux/01.01.01.01 TASK-7',
      '006-ux/01.01.01.02 TASK-8',
    ]);
    const file = (id: string) => repo.read(rows<{ path: string }>(repo, 'SELECT path FROM tasks WHERE id = ?', id)[0]!.path.slice(repo.dir.length + 1));
    expect(file('TASK-4')).toContain('labels: ["stream:005-session-tracking", "thread:01.02.01"]\ndepends_on: [TASK-1, TASK-2, TASK-3]');
    expect(file('TASK-5')).toContain('depends_on: [TASK-4]');
    expect(file('TASK-1')).toContain('## Report\n\nAdded SessionRecord to src/types/tasks.ts.');
    expect(file('TASK-6')).toContain('status: ABORTED');
    expect(file('TASK-6')).toContain('closed: 2026-01-22T09:45:00.000Z');

    const given = givenNames(repo, 4);
    expect(rows(repo, 'SELECT codename, agent, persona, session_id, started_at, ended_at, end_reason, summary FROM missions ORDER BY id')).toEqual([
      { codename: given[0], agent: 'opencode', persona: 'backend-expert', session_id: 'ses_c', started_at: '2026-01-22T09:00:00.000Z', ended_at: '2026-01-22T09:30:00.000Z', end_reason: 'failed', summary: 'workstream 005-session-tracking, thread 01.01.02 (Thread 02): 0/1 tasks completed; model anthropic/claude-haiku; exit code 1' },
      { codename: given[1], agent: 'opencode', persona: 'backend-expert', session_id: 'ses_a', started_at: '2026-01-22T10:00:00.000Z', ended_at: '2026-01-22T11:05:00.000Z', end_reason: 'completed', summary: 'workstream 005-session-tracking, thread 01.01.01 (Thread 01): 2/2 tasks completed; model anthropic/claude-sonnet; exit code 0' },
      { codename: given[2], agent: 'opencode', persona: 'backend-expert', session_id: 'ses_b', started_at: '2026-01-22T12:00:00.000Z', ended_at: '2026-01-22T12:30:00.000Z', end_reason: 'abandoned', summary: 'workstream 005-session-tracking, thread 01.01.02 (Thread 02): 0/1 tasks completed; model anthropic/claude-sonnet' },
      { codename: given[3], agent: 'opencode', persona: 'frontend-dev', session_id: 'ses_d', started_at: '2026-01-23T08:00:00.000Z', ended_at: '2026-01-23T08:20:00.000Z', end_reason: 'interrupted', summary: 'workstream 006-ux, thread 01.01.01 (Thread 01): 0/2 tasks completed; model openai/gpt-5; exit code 130' },
    ]);
    // A session held its thread's tasks while it ran: claim history, released at its end.
    expect(rows(repo, "SELECT kind, at FROM activity WHERE task_id = 'TASK-3' AND kind IN ('task.claimed', 'task.released') ORDER BY at, id")).toEqual([
      { kind: 'task.claimed', at: '2026-01-22T09:00:00.000Z' },
      { kind: 'task.released', at: '2026-01-22T09:30:00.000Z' },
      { kind: 'task.claimed', at: '2026-01-22T12:00:00.000Z' },
      { kind: 'task.released', at: '2026-01-22T12:30:00.000Z' },
    ]);
    expect(count(repo, 'SELECT COUNT(*) FROM claims')).toBe(0);
    const defects = a.defects.map((d: { path: string; row?: string; defect: string; handled: string }) => `${d.path}${d.row ? ` (${d.row})` : ''}: ${d.defect} -> ${d.handled}`).join('\n');
    expect(defects).toContain("threads.json (threads[1].sessions[0]): left running for ever (no process is recorded to check) -> closed as abandoned at its last sign of life, 2026-01-22T12:30:00.000Z (its thread's last task update)");
    expect(defects).toContain('tasks.json (tasks[2].sessions[0]): session ses_c is only in tasks.json, not in threads.json -> imported from tasks.json');
    expect(defects).toContain("thread 01.02.01's currentSessionId ses_gone names no session record -> ignored");
    expect(treeState(join(repo.dir, 'work'), [])).toEqual(source);

    const tree = treeState(repo.dir);
    const db = dbRows(repo);
    const again = repo.sortie(['import', 'workstreams', '--map-ids', '--apply']);
    expect(again.stdout).toContain('0 to create (0 tasks, 0 missions, 0 history events), 0 to change, 12 already imported, 2 skipped');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(db);

    const status = repo.sortie(['status', '--json']).json();
    expect(status.waiting.map((t: { id: string }) => t.id)).toEqual(['TASK-3', 'TASK-7']);
    expect(status.ready.map((t: { id: string }) => t.id)).toEqual(['TASK-8']);
    const context = sessionStart(repo, 'w-1');
    expect(context).toContain(`From ${given[3]} (opencode, ended 2026-01-23T08:20Z, interrupted, imported from workstreams):\n  workstream 006-ux, thread 01.01.01 (Thread 01): 0/2 tasks completed`);
    expect(context).toContain('- TASK-3 Validate session fields [medium]');
    expect(repo.sortie(['task', 'list', '--all', '--label', 'stream:006-ux', '--json']).json().tasks.map((t: { id: string }) => t.id)).toEqual(['TASK-7', 'TASK-8']);
  });

  test('one stream, given by its tasks.json', () => {
    const repo = setup();
    const r = repo.sortie(['import', 'workstreams', 'work/006-ux/tasks.json', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().read).toEqual(['work/006-ux/tasks.json']);
    expect(r.json().counts).toMatchObject({ tasks: 2, missions: 1 });
  });
});
