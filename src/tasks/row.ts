import type { Task } from './parse.js';
import type { Priority, Status } from './status.js';

/**
 * A task's columns, as the tables that hold tasks store them (labels and depends_on as JSON): the
 * effective view (`tasks`) and each source's files (`task_files`).
 */
export interface TaskColumns {
  id: string;
  title: string;
  status: Status;
  priority: Priority;
  prio_rank: number;
  role: string | null;
  labels: string;
  depends_on: string;
  created: string | null;
  path: string;
}

/** A row of `tasks`: the effective view, one per id (tasks/effective.ts computes it). */
export interface TaskRow extends TaskColumns {
  /** The branch the effective status was seen on (a worktree's branch, a branch, or where sortie recorded it). */
  origin?: string | null;
  /** The source of that status: a worktree's task folder, a ref; null when unknown. */
  origin_source?: string | null;
  /** Since when the task has been in that status there. */
  since?: string | null;
}

export function rowToTask(r: TaskRow): Task {
  return {
    id: r.id,
    title: r.title,
    status: r.status,
    priority: r.priority,
    role: r.role ?? undefined,
    labels: JSON.parse(r.labels) as string[],
    dependsOn: JSON.parse(r.depends_on) as string[],
    created: r.created ?? undefined,
    path: r.path,
  };
}
