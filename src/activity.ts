import type { Database } from './store/open.js';
import { enqueue } from './store/queue.js';
import { write } from './store/write.js';

export type ActivityKind =
  | 'mission.started'
  | 'mission.resumed'
  | 'mission.ended'
  | 'mission.reaped'
  | 'mission.note'
  | 'mission.checkpoint'
  | 'mission.branch'
  | 'task.created'
  | 'task.edited'
  | 'task.claimed'
  | 'task.released'
  | 'task.handoff'
  | 'task.status'
  | 'task.inherited'
  | 'task.repaired'
  | 'task.reopened'
  | 'task.renumbered'
  | 'task.takeover'
  | 'task.claim-revoked'
  | 'commit.recorded'
  | 'commit.blocked'
  | 'commit.warned';

export interface ActivityInput {
  kind: ActivityKind;
  at: string;
  missionId?: number | null | undefined;
  agent?: string | null | undefined;
  taskId?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
}

export interface ActivityRow {
  id: number;
  at: string;
  kind: ActivityKind;
  mission_id: number | null;
  agent: string | null;
  task_id: string | null;
  detail: string | null;
}

/** Append-only: there is no update or delete of activity anywhere in sortie. */
export function record(db: Database, a: ActivityInput): void {
  db.prepare('INSERT INTO activity (at, kind, mission_id, agent, task_id, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    a.at,
    a.kind,
    a.missionId ?? null,
    a.agent ?? null,
    a.taskId ?? null,
    a.detail ? JSON.stringify(a.detail) : null,
  );
}

/**
 * Activity a handler could not write in time (the commit guard under a held lock): queued
 * (store/queue.ts, kind `activity`) and recorded by the next catch-up as of when it happened.
 */
export function queueActivity(dbFile: string, rows: ActivityInput[], unique: string): void {
  if (rows.length) enqueue(dbFile, 'activity', unique, JSON.stringify(rows));
}

/** Records a queued batch once: a row already there (same kind, time, mission, task) is not added again. */
export function applyQueuedActivity(db: Database, line: string): void {
  let rows: ActivityInput[];
  try {
    rows = JSON.parse(line) as ActivityInput[];
  } catch {
    return;
  }
  if (!Array.isArray(rows)) return;
  const seen = db.prepare('SELECT 1 FROM activity WHERE kind = ? AND at = ? AND mission_id IS ? AND task_id IS ? LIMIT 1');
  write(db, () => {
    for (const a of rows) {
      if (typeof a?.kind !== 'string' || typeof a.at !== 'string') continue;
      if (seen.get(a.kind, a.at, a.missionId ?? null, a.taskId ?? null)) continue;
      record(db, a);
    }
  });
}

export interface ActivityQuery {
  since?: string | undefined;
  missionId?: number | undefined;
  agent?: string | undefined;
  taskId?: string | undefined;
  limit?: number | undefined;
}

export function queryActivity(db: Database, q: ActivityQuery): ActivityRow[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.since) (where.push('at >= ?'), args.push(q.since));
  if (q.missionId !== undefined) (where.push('mission_id = ?'), args.push(q.missionId));
  if (q.agent) (where.push('agent = ?'), args.push(q.agent));
  if (q.taskId) (where.push('task_id = ?'), args.push(q.taskId));
  const sql = `SELECT * FROM (SELECT * FROM activity ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`;
  args.push(q.limit ?? 500);
  return db.prepare(sql).all(...args) as ActivityRow[];
}
