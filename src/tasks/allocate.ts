import { write } from '../store/write.js';
import { iso } from '../time.js';
import { assertTaskId, idTemplate } from './ids.js';
import { highestTaskNumber, type TaskWorld } from './tasks.js';

/**
 * Asked, outside the database lock, whether an id just taken here is free elsewhere too (issue
 * 12: a reservation on the git remote). false: taken there; the next number is tried.
 */
export type ReserveId = (id: string, task: { title: string; created: string }) => boolean;

export interface AllocateInput {
  prefix: string;
  role: string;
  /** The priority letter, for templates that use `{P}`. */
  letter: string;
  title: string;
  created: string;
  now: Date;
  reserve?: ReserveId | undefined;
}

/**
 * The next free id: above every number the template used with this prefix among the ids the
 * database has seen or handed out (every worktree's and branch's files, as last synced) and the
 * names in this checkout's folder. It is taken (task_ids) in the same write transaction that picks
 * it, so creators in any worktrees of the clone, at the same instant, queue on the lock and get
 * different ids. Then `reserve` is asked, outside the lock (a network call must not hold every
 * hook's writes); an id it refuses stays taken here and the next is tried.
 */
export function allocateId(w: TaskWorld, o: AllocateInput): string {
  const ids = idTemplate(w.config, o.prefix);
  for (;;) {
    const id = write(w.db, () => {
      const take = w.db.prepare('INSERT OR IGNORE INTO task_ids (id, first_seen_at, title, created, source) VALUES (?, ?, ?, ?, ?)');
      for (let n = highestTaskNumber(w, ids) + 1; ; n++) {
        const id = assertTaskId(ids.fill(n, o.role, o.letter), w.config);
        if (take.run(id, iso(o.now), o.title, o.created, 'allocated').changes === 1) return id;
      }
    });
    if (!o.reserve || o.reserve(id, { title: o.title, created: o.created })) return id;
    write(w.db, () => w.db.prepare("UPDATE task_ids SET source = 'taken elsewhere' WHERE id = ?").run(id));
  }
}
