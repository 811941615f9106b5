import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import type { Statement } from 'better-sqlite3';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { MAX_TASK_BYTES, TaskParseError, parseTask, type Task } from './parse.js';
import { priorityRank } from './status.js';
import { pendingIntents, settleIntents, type Settled } from './intent.js';

export interface SyncProblem {
  path: string;
  line: number | undefined;
  message: string;
}

export interface SyncResult {
  scanned: number;
  read: number;
  removed: number;
  problems: SyncProblem[];
  /** True when the directory's own mtime showed nothing changed and no file was looked at. */
  skipped: boolean;
  /** Status changes a crash left half done, settled before the sync (tasks/intent.ts). */
  repaired: Settled[];
}

interface Known {
  size: number;
  mtime_ms: number;
}

/**
 * Brings the task index in line with the task files. Only files whose size or mtime changed are
 * read. `quick` first compares the folder's mtime, which changes when a file is added, removed or
 * replaced by rename (git checkout, atomic saves, sortie itself): hooks use it so a start-up on
 * 10,000 unchanged tasks costs one stat. In-place edits are picked up by the next full sync (every
 * CLI command, post-checkout).
 */
export function syncTasks(db: Database, dir: string, config: SortieConfig, now: Date, opts: { quick?: boolean } = {}): SyncResult {
  const result: SyncResult = { scanned: 0, read: 0, removed: 0, problems: [], skipped: false, repaired: [] };
  // Before the files are read: a task file a crash left changed is put back first.
  if (pendingIntents(db).length) result.repaired = write(db, () => settleIntents(db));
  const metaKey = `sync:${dir}`;
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    dirStat = undefined;
  }
  const stamp = dirStat ? `${dirStat.mtimeMs}:${config.tasks.idPattern}` : 'missing';
  const last = (db.prepare('SELECT value FROM meta WHERE key = ?').get(metaKey) as { value: string } | undefined)?.value;
  if (opts.quick && last === stamp) {
    result.skipped = true;
    result.problems = storedProblems(db);
    return result;
  }

  const names = dirStat ? readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.')) : [];
  const known = new Map<string, Known>();
  for (const r of db.prepare('SELECT path, size, mtime_ms FROM tasks').all() as (Known & { path: string })[]) known.set(r.path, r);
  const knownErr = new Map<string, Known>();
  for (const r of db.prepare('SELECT path, size, mtime_ms FROM task_errors').all() as (Known & { path: string })[]) knownErr.set(r.path, r);

  const changed: { path: string; size: number; mtime: number }[] = [];
  const present = new Set<string>();
  for (const name of names) {
    const path = join(dir, name);
    let st;
    try {
      st = statSync(path);
    } catch {
      continue; // removed while we looked
    }
    if (!st.isFile()) continue;
    result.scanned++;
    present.add(path);
    const k = known.get(path) ?? knownErr.get(path);
    if (k && k.size === st.size && k.mtime_ms === st.mtimeMs) continue;
    changed.push({ path, size: st.size, mtime: st.mtimeMs });
  }
  const gone = [...known.keys(), ...knownErr.keys()].filter((p) => !present.has(p));

  const parsed: { task?: Task; error?: SyncProblem; size: number; mtime: number; path: string }[] = [];
  for (const c of changed) {
    try {
      // Not even read when it is too large to be a task (parse.ts: the cost limit).
      if (c.size > MAX_TASK_BYTES) throw new TaskParseError(c.path, `the file is larger than ${MAX_TASK_BYTES >> 20} MiB`, undefined);
      const task = parseTask(readFileSync(c.path, 'utf8'), c.path, config);
      parsed.push({ task, size: c.size, mtime: c.mtime, path: c.path });
    } catch (e) {
      const line = e instanceof TaskParseError ? e.line : undefined;
      const message = e instanceof TaskParseError ? e.message.replace(`${c.path}${line ? `:${line}` : ''}: `, '') : (e as Error).message;
      parsed.push({ error: { path: c.path, line, message }, size: c.size, mtime: c.mtime, path: c.path });
    }
  }
  result.read = changed.length;
  result.removed = gone.length;

  write(db, () => {
    const at = iso(now);
    const delTask = db.prepare('DELETE FROM tasks WHERE path = ?');
    const delErr = db.prepare('DELETE FROM task_errors WHERE path = ?');
    // The folder was listed before this lock was taken: a file another process created (and
    // indexed) since then is not gone. Checked under the lock, only for the few candidates.
    for (const p of gone) if (!existsSync(p)) (delTask.run(p), delErr.run(p));
    const byId = db.prepare('SELECT path FROM tasks WHERE id = ?');
    const putErr = db.prepare('INSERT OR REPLACE INTO task_errors (path, size, mtime_ms, message, line) VALUES (?, ?, ?, ?, ?)');
    for (const p of parsed) {
      delTask.run(p.path);
      if (p.task) {
        const t = p.task;
        const other = byId.get(t.id) as { path: string } | undefined;
        if (other && other.path !== p.path && present.has(other.path)) {
          putErr.run(p.path, p.size, p.mtime, `duplicate task id ${t.id} (also in ${other.path})`, null);
          continue;
        }
        delErr.run(p.path);
        upsertTask(db, t, p.size, p.mtime, at);
      } else if (p.error) {
        putErr.run(p.path, p.size, p.mtime, p.error.message, p.error.line ?? null);
      }
    }
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(metaKey, stamp);
  });
  result.problems = storedProblems(db);
  return result;
}

function storedProblems(db: Database): SyncProblem[] {
  return (db.prepare('SELECT path, line, message FROM task_errors ORDER BY path').all() as { path: string; line: number | null; message: string }[]).map((r) => ({
    path: r.path,
    line: r.line ?? undefined,
    message: r.message,
  }));
}

const UPSERT = `INSERT INTO tasks (id, title, status, priority, prio_rank, role, labels, depends_on, created, path, size, mtime_ms, synced_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status, priority = excluded.priority, prio_rank = excluded.prio_rank,
    role = excluded.role, labels = excluded.labels, depends_on = excluded.depends_on, created = excluded.created, path = excluded.path,
    size = excluded.size, mtime_ms = excluded.mtime_ms, synced_at = excluded.synced_at`;

const upserts = new WeakMap<Database, Statement<unknown[]>>();

/** The one place a task's index row is written (the statement is prepared once per connection). */
function upsertTask(db: Database, t: Task, size: number, mtimeMs: number, at: string): void {
  let st = upserts.get(db);
  if (!st) upserts.set(db, (st = db.prepare<unknown[]>(UPSERT)));
  st.run(t.id, t.title, t.status, t.priority, priorityRank(t.priority), t.role ?? null, JSON.stringify(t.labels), JSON.stringify(t.dependsOn), t.created ?? null, t.path, size, mtimeMs, at);
}

/** After sortie itself writes a task file, the index row is refreshed without a directory scan. */
export function indexTaskFile(db: Database, task: Task, now: Date): void {
  const st = statSync(task.path);
  upsertTask(db, task, st.size, st.mtimeMs, iso(now));
}
