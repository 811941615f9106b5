import type { Database } from '../store/open.js';
import type { Task } from './parse.js';
import { STATUSES, type Status } from './status.js';
import { rowToTask, type TaskRow } from './tasks.js';

/**
 * Where a task's effective state comes from when it is not this checkout's own file: another
 * branch or worktree ("COMPLETE on feat, not merged").
 */
export interface TaskOrigin {
  branch: string;
  worktree?: string | undefined;
  merged?: boolean | undefined;
}

export interface EffectiveTask extends Task {
  /** undefined: the state is this checkout's own (today's only source). */
  origin: TaskOrigin | undefined;
}

export interface EffectiveQuery {
  status?: Status | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
}

/**
 * The one seam every board-like reader takes task states from. Today it is the task index of this
 * checkout, so origin is always undefined; the shared view across worktrees and branches will
 * replace the body of this function (and effectiveCounts) without its callers changing.
 */
export function effectiveTasks(db: Database, q: EffectiveQuery = {}): EffectiveTask[] {
  const rows = db
    .prepare(`SELECT * FROM tasks ${q.status ? 'WHERE status = ?' : ''} ORDER BY prio_rank, id LIMIT ? OFFSET ?`)
    .all(...(q.status ? [q.status] : []), q.limit ?? -1, q.offset ?? 0) as TaskRow[];
  return rows.map((r) => ({ ...rowToTask(r), origin: undefined }));
}

/** How many tasks are in each effective status. */
export function effectiveCounts(db: Database): Record<Status, number> {
  const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as { status: Status; n: number }[]) out[r.status] = r.n;
  return out;
}
