import type { Database } from './store/open.js';

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
  | 'task.reopened'
  | 'task.renumbered'
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
