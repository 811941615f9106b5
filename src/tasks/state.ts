import type { Database } from '../store/open.js';
import { prepared } from '../store/statements.js';
import type { Status } from './status.js';

export type StateEvent = 'created' | 'claimed' | 'status' | 'released' | 'handoff' | 'reopened' | 'renumbered';

export interface RecordedState {
  id: string;
  status: Status;
  at: string;
  missionId: number | undefined;
  /** The task folder of the checkout it happened in (a worktree source). */
  source: string | undefined;
  event: StateEvent;
}

/**
 * Records the state sortie itself gave a task (task_state: the latest per id), in the caller's
 * transaction, next to the claim or status change it records. A reopen is remembered on later
 * records too: terminal observations before it no longer count (tasks/effective.ts).
 * The caller recomputes the effective row.
 */
export function recordState(db: Database, s: RecordedState): void {
  const branch = s.source ? ((db.prepare('SELECT label FROM task_sources WHERE source = ?').pluck().get(s.source) as string | null | undefined) ?? null) : null;
  db.prepare(
    `INSERT INTO task_state (id, status, at, mission_id, branch, worktree, event, reopened_at) VALUES (@id, @status, @at, @mission, @branch, @source, @event, CASE WHEN @event = 'reopened' THEN @at END)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, at = excluded.at, mission_id = excluded.mission_id, branch = excluded.branch,
       worktree = excluded.worktree, event = excluded.event, reopened_at = COALESCE(excluded.reopened_at, task_state.reopened_at)`,
  ).run({ id: s.id, status: s.status, at: s.at, mission: s.missionId ?? null, branch, source: s.source ?? null, event: s.event });
}

export interface StateRow {
  id: string;
  status: Status;
  at: string;
  mission_id: number | null;
  branch: string | null;
  worktree: string | null;
  event: StateEvent;
  reopened_at: string | null;
}

export function recordedState(db: Database, id: string): StateRow | undefined {
  return db.prepare('SELECT * FROM task_state WHERE id = ?').get(id) as StateRow | undefined;
}

/** Remembers ids seen (in any source) or handed out, so `task new` never hands one out again. */
export function rememberIds(db: Database, ids: Iterable<{ id: string; title?: string | null; created?: string | null }>, at: string, source: string | null): void {
  const put = prepared(db, 'INSERT OR IGNORE INTO task_ids (id, first_seen_at, title, created, source) VALUES (?, ?, ?, ?, ?)');
  for (const t of ids) put.run(t.id, at, t.title ?? null, t.created ?? null, source);
}
