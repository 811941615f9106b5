import { record } from '../activity.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';

/**
 * What doctor checks beyond each file on its own: the claims against the task files' statuses, and
 * the dependency graph.
 */

export interface ClaimDrift {
  task: string;
  status: string;
  codename: string;
  mission: number;
}

/**
 * Live claims on tasks whose file (as last indexed) is not UNDERWAY or REVIEW, the two statuses a
 * held task has. sortie's own writes cannot leave one behind any more (tasks/intent.ts); a hand
 * edit, a merge or another checkout's file can.
 */
export function claimDrift(db: Database): ClaimDrift[] {
  return db
    .prepare(
      `SELECT c.task_id AS task, t.status, m.codename, m.id AS mission FROM claims c
       JOIN tasks t ON t.id = c.task_id JOIN missions m ON m.id = c.mission_id
       WHERE c.released_at IS NULL AND t.status NOT IN ('UNDERWAY', 'REVIEW') ORDER BY c.task_id`,
    )
    .all() as ClaimDrift[];
}

/**
 * Releases the live claims on COMPLETE or ABORTED tasks: nobody can hold a finished task, so this
 * drift has one repair. (A claim on a TODO, BLOCKED or PAUSED file may be a claim made on another
 * branch, whose file says UNDERWAY there: that one is reported, not repaired.)
 */
export function releaseClaimsOnClosed(db: Database, now: Date): ClaimDrift[] {
  return write(db, () => {
    const closed = claimDrift(db).filter((d) => d.status === 'COMPLETE' || d.status === 'ABORTED');
    const at = iso(now);
    for (const d of closed) {
      db.prepare("UPDATE claims SET released_at = ?, release_reason = 'drift' WHERE task_id = ? AND released_at IS NULL").run(at, d.task);
      record(db, { kind: 'task.released', at, missionId: d.mission, taskId: d.task, detail: { reason: 'drift', status: d.status } });
    }
    return closed;
  });
}

/** Dependency cycles (each as the ids around it, the first repeated at the end), at most `limit`. */
export function dependencyCycles(db: Database, limit = 10): string[][] {
  const deps = new Map<string, string[]>();
  for (const r of db.prepare('SELECT id, depends_on FROM tasks').all() as { id: string; depends_on: string }[]) {
    let d: unknown;
    try {
      d = JSON.parse(r.depends_on);
    } catch {
      d = [];
    }
    deps.set(r.id, Array.isArray(d) ? d.map(String) : []);
  }
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const seen = new Set<string>();
  // Iterative depth-first search (a chain of 100,000 tasks must not overflow the stack).
  for (const start of deps.keys()) {
    if (state.has(start) || cycles.length >= limit) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length && cycles.length < limit) {
      const top = stack[stack.length - 1]!;
      const children = deps.get(top.id) ?? [];
      if (top.next >= children.length) {
        state.set(top.id, 'done');
        stack.pop();
        continue;
      }
      const child = children[top.next++]!;
      if (!deps.has(child)) continue;
      const s = state.get(child);
      if (s === 'open') {
        const from = stack.findIndex((f) => f.id === child);
        const cycle = [...stack.slice(from).map((f) => f.id), child];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) (seen.add(key), cycles.push(cycle));
      } else if (s === undefined) {
        state.set(child, 'open');
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return cycles;
}
