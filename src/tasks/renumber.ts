import { readFileSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { record } from '../activity.js';
import { SortieError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import type { MissionRow } from '../missions/missions.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { allocateId, type ReserveId } from './allocate.js';
import { collisionOf } from './collisions.js';
import { setEntry } from './edit.js';
import { recomputeTasks } from './effective.js';
import { setFrontMatterKey } from './file.js';
import { assertTaskId, idPrefix } from './ids.js';
import { parseTask } from './parse.js';
import { rememberIds } from './state.js';
import { PRIORITY_LETTER, parsePriority } from './status.js';
import { indexTaskFile, unindexTaskFile } from './sync.js';
import { liveClaim, readTask, type TaskWorld } from './tasks.js';

export interface RenumberResult {
  from: string;
  to: string;
  /** The task's file, renamed. */
  path: string;
  previousPath: string;
  /** Task files of this checkout whose depends_on named the old id and now name the new one. */
  rewritten: string[];
  /** Where the other task with the old id is (branch names), when it was a collision. */
  others: string[];
}

/**
 * Gives the task whose file is in this checkout a new id: the file is renamed (`<new>-slug.md`),
 * its `id` rewritten (only that line), and the `depends_on` lists of this checkout's task files
 * that name the old id rewritten too, except in files that are the same on the side that keeps
 * the old id (those point at the other task). Recorded as `task.renumbered`; nothing is committed.
 * Meant for an id that names two tasks (sortie doctor): run it where the task to renumber is.
 */
export function renumberTask(w: TaskWorld, actor: MissionRow | undefined, id: string, now: Date, o: { to?: string | undefined; reserve?: ReserveId | undefined } = {}): RenumberResult {
  const task = readTask(w, id);
  const held = liveClaim(w.db, id);
  if (held) {
    throw new SortieError('NOT_CLAIMABLE', `${id} is claimed by ${held.mission.codename}; a claimed task keeps its id`, {
      hint: `release it first (sortie task release ${id}), renumber, then claim the new id`,
      data: { task: id },
    });
  }
  let to: string;
  if (o.to !== undefined) {
    to = assertTaskId(o.to, w.config);
    const seen = w.db.prepare('SELECT 1 FROM task_ids WHERE id = ? UNION ALL SELECT 1 FROM task_files WHERE id = ?').get(to, to);
    if (seen || to === id) {
      throw new SortieError('TASK_EXISTS', `${to} is already used (or was) in this repository`, { hint: `sortie task renumber ${id}   (picks the next free id)`, data: { task: to } });
    }
    rememberIds(w.db, [{ id: to, title: task.title, created: task.created ?? null }], iso(now), 'renumber');
  } else {
    const priority = parsePriority(task.priority) ?? 'medium';
    to = allocateId(w, { prefix: idPrefix(id), role: task.role ?? idPrefix(id), letter: PRIORITY_LETTER[priority], title: task.title, created: task.created ?? iso(now), now, reserve: o.reserve });
  }

  // The other task with this id, and where it is: files there identical to ours name it, not us.
  const collision = collisionOf(w.db, id);
  const mineIs = (v: { title: string; created: string | null }) => (v.created && task.created ? v.created === task.created : v.title === task.title);
  const otherPlaces = collision ? collision.variants.filter((v) => !mineIs(v)).flatMap((v) => v.places) : [];
  const otherSources = otherPlaces.map((p) => p.source).filter((s): s is string => Boolean(s));

  return write(w.db, () => {
    const at = iso(now);
    const rewritten: string[] = [];
    const refs = w.db.prepare("SELECT path, blob FROM task_files WHERE source = ? AND status IS NOT NULL AND depends_on LIKE '%' || ? || '%'").all(w.tasksDir, `"${id}"`) as { path: string; blob: string | null }[];
    const sameElsewhere = w.db.prepare(
      `SELECT 1 FROM task_files f WHERE f.blob = ? AND f.source IN (SELECT value FROM json_each(?))
       UNION ALL SELECT 1 FROM task_files b JOIN task_sources s ON s.kind = 'branch' AND s.source IN (SELECT value FROM json_each(?))
         WHERE b.source = 'base' AND b.blob = ? AND NOT EXISTS (SELECT 1 FROM task_files d WHERE d.source = s.source AND d.path = b.path)`,
    );
    for (const r of refs) {
      if (r.path === task.path) continue;
      const others = JSON.stringify(otherSources);
      if (r.blob && otherSources.length && sameElsewhere.get(r.blob, others, others, r.blob)) continue;
      const text = readFileSync(r.path, 'utf8');
      const dep = parseTask(text, r.path, w.config);
      const next = setEntry(text, 'depends_on', { list: dep.dependsOn.map((d) => (d === id ? to : d)) });
      writeFileAtomic(r.path, next);
      indexTaskFile(w.db, parseTask(next, r.path, w.config), now, { recompute: false });
      rewritten.push(r.path);
    }
    const name = basename(task.path);
    const path = join(w.tasksDir, `${to}${name.slice(id.length)}`);
    const text = setFrontMatterKey(readFileSync(task.path, 'utf8'), 'id', to);
    writeFileAtomic(task.path, text);
    renameSync(task.path, path);
    unindexTaskFile(w.db, task.path);
    indexTaskFile(w.db, parseTask(text, path, w.config), now, { recompute: false });
    recomputeTasks(w.db, [id, to, ...rewritten.map((p) => parseTask(readFileSync(p, 'utf8'), p, w.config).id)], at);
    const others = [...new Set(otherPlaces.map((p) => p.label ?? 'a detached checkout'))];
    record(w.db, { kind: 'task.renumbered', at, missionId: actor?.id, agent: actor?.agent ?? 'human', taskId: to, detail: { from: id, to, rewritten: rewritten.map((p) => basename(p)), collidedWith: others } });
    return { from: id, to, path, previousPath: task.path, rewritten, others };
  });
}
