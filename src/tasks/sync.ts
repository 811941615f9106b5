import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import type { Database } from '../store/open.js';
import { prepared } from '../store/statements.js';
import { write } from '../store/write.js';
import { gitBlobId } from '../files.js';
import { iso } from '../time.js';
import { recomputeTasks } from './effective.js';
import { MAX_TASK_BYTES, TaskParseError, parseTask, type Task } from './parse.js';
import type { TaskColumns } from './row.js';
import { rememberIds } from './state.js';
import { priorityRank, type Status } from './status.js';
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

/** A task file's row in task_files, as parsed (labels and depends_on as JSON). */
export type FileFields = Omit<TaskColumns, 'path'>;

export function fieldsOf(t: Task): FileFields {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    prio_rank: priorityRank(t.priority),
    role: t.role ?? null,
    labels: JSON.stringify(t.labels),
    depends_on: JSON.stringify(t.dependsOn),
    created: t.created ?? null,
  };
}

interface Known {
  id: string;
  size: number;
  mtime_ms: number;
  status: Status | null;
  status_since: string | null;
  blob: string | null;
}

export interface SyncOptions {
  /** Trust the folder's mtime: one stat when nothing was added, removed or renamed (hooks). */
  quick?: boolean;
  /** The branch checked out in this worktree (null: detached); undefined leaves it as recorded. */
  label?: string | null | undefined;
  /** The worktree's top folder. */
  root?: string | undefined;
}

/**
 * Brings one worktree's task files (the source keyed by its task folder) in line with what
 * task_files holds for it, then recomputes the effective rows of the ids that changed. Only files
 * whose size or mtime changed are read, and a file whose content (git blob id) was parsed before,
 * in any source, is not parsed again. `quick` first compares the folder's mtime, which changes when
 * a file is added, removed or replaced by rename (git checkout, atomic saves, sortie itself): hooks
 * use it so a start-up on 10,000 unchanged tasks costs one stat. In-place edits are picked up by
 * the next full sync (every CLI command in that worktree, post-checkout).
 */
export function syncTasks(db: Database, dir: string, config: SortieConfig, now: Date, opts: SyncOptions = {}): SyncResult {
  const result: SyncResult = { scanned: 0, read: 0, removed: 0, problems: [], skipped: false, repaired: [] };
  // Before the files are read: a task file a crash left changed is put back first.
  if (pendingIntents(db).length) result.repaired = write(db, () => settleIntents(db));
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    dirStat = undefined;
  }
  const stamp = dirStat ? folderStamp(dirStat.mtimeMs, config) : 'missing';
  const src = db.prepare('SELECT stamp, label, root, synced_at FROM task_sources WHERE source = ?').get(dir) as
    | { stamp: string | null; label: string | null; root: string | null; synced_at: string | null }
    | undefined;
  const relabel = src !== undefined && ((opts.label !== undefined && opts.label !== src.label) || (opts.root !== undefined && opts.root !== src.root));
  if (opts.quick && src?.stamp === stamp) {
    if (relabel) write(db, () => setSource(db, dir, { stamp, label: opts.label, root: opts.root, at: iso(now) }, src));
    result.skipped = true;
    result.problems = storedProblems(db, dir);
    return result;
  }

  const names = dirStat ? readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.')) : [];
  const known = new Map<string, Known>();
  for (const r of db.prepare('SELECT path, id, size, mtime_ms, status, status_since, blob FROM task_files WHERE source = ?').all(dir) as (Known & { path: string })[]) known.set(r.path, r);
  const knownErr = new Map<string, { size: number; mtime_ms: number }>();
  for (const r of db.prepare(`SELECT path, size, mtime_ms FROM task_errors WHERE ${ERRORS_OF}`).all({ dir }) as { path: string; size: number; mtime_ms: number }[]) knownErr.set(r.path, r);
  // After the migration to observations, a folder's rows come with it but it was never synced as a
  // source: its ids are all recomputed once.
  const first = !src?.synced_at;

  const changed: { path: string; size: number; mtime: number }[] = [];
  const backfill: string[] = [];
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
    if (k && k.size === st.size && k.mtime_ms === st.mtimeMs) {
      // A row carried over by the migration has no content id yet: a command reads the file once
      // for it (a hook leaves that to the next command).
      if ('blob' in k && !k.blob && !opts.quick) backfill.push(path);
      continue;
    }
    changed.push({ path, size: st.size, mtime: st.mtimeMs });
  }
  const gone = [...known.keys(), ...knownErr.keys()].filter((p) => !present.has(p));

  const parsed: { fields?: FileFields; error?: SyncProblem; size: number; mtime: number; path: string; blob: string }[] = [];
  const byBlob = db.prepare('SELECT id, title, status, priority, prio_rank, role, labels, depends_on, created, path FROM task_files WHERE blob = ? AND status IS NOT NULL LIMIT 8');
  for (const c of changed) {
    let content: Buffer;
    try {
      // Not even read when it is too large to be a task (parse.ts: the cost limit).
      if (c.size > MAX_TASK_BYTES) {
        parsed.push({ error: { path: c.path, line: undefined, message: `the file is larger than ${MAX_TASK_BYTES >> 20} MiB` }, size: c.size, mtime: c.mtime, path: c.path, blob: '' });
        continue;
      }
      content = readFileSync(c.path);
    } catch {
      continue; // removed between the stat and the read: the next sync sees it gone
    }
    const blob = gitBlobId(content);
    const same = (byBlob.all(blob) as (FileFields & { path: string })[]).find((r) => basename(r.path) === basename(c.path));
    if (same) {
      const { path: _p, ...fields } = same;
      parsed.push({ fields, size: c.size, mtime: c.mtime, path: c.path, blob });
      continue;
    }
    try {
      const task = parseTask(content.toString('utf8'), c.path, config);
      parsed.push({ fields: fieldsOf(task), size: c.size, mtime: c.mtime, path: c.path, blob });
    } catch (e) {
      const line = e instanceof TaskParseError ? e.line : undefined;
      const message = e instanceof TaskParseError ? e.message.replace(`${c.path}${line ? `:${line}` : ''}: `, '') : (e as Error).message;
      parsed.push({ error: { path: c.path, line, message }, size: c.size, mtime: c.mtime, path: c.path, blob });
    }
  }
  result.read = changed.length;
  result.removed = gone.length;
  const blobs: { path: string; blob: string }[] = [];
  for (const path of backfill) {
    try {
      blobs.push({ path, blob: gitBlobId(readFileSync(path)) });
    } catch {
      // gone meanwhile: the next sync sees it
    }
  }
  if (!first && !relabel && src?.stamp === stamp && changed.length === 0 && gone.length === 0 && blobs.length === 0) {
    result.problems = storedProblems(db, dir);
    return result; // nothing to write: a full sync of an unchanged folder takes no write lock
  }

  write(db, () => {
    const at = iso(now);
    const affected = new Set<string>();
    const delFile = db.prepare('DELETE FROM task_files WHERE source = ? AND path = ?');
    const delErr = db.prepare('DELETE FROM task_errors WHERE path = ?');
    // The folder was listed before this lock was taken: a file another process created (and
    // indexed) since then is not gone. Checked under the lock, only for the few candidates.
    for (const p of gone) {
      if (existsSync(p)) continue;
      const k = known.get(p);
      if (k) affected.add(k.id);
      delFile.run(dir, p);
      delErr.run(p);
    }
    const byId = db.prepare('SELECT path FROM task_files WHERE source = ? AND id = ? AND path != ?');
    const putErr = db.prepare('INSERT OR REPLACE INTO task_errors (path, size, mtime_ms, message, line, source) VALUES (?, ?, ?, ?, ?, ?)');
    for (const p of parsed) {
      const prev = known.get(p.path);
      if (prev) affected.add(prev.id);
      delFile.run(dir, p.path);
      if (p.fields) {
        const f = p.fields;
        const other = (byId.all(dir, f.id, p.path) as { path: string }[]).find((o) => present.has(o.path));
        if (other) {
          putErr.run(p.path, p.size, p.mtime, `duplicate task id ${f.id} (also in ${other.path})`, null, dir);
          continue;
        }
        delErr.run(p.path);
        putFile(db, dir, p.path, f, { size: p.size, mtime: p.mtime, blob: p.blob, since: sinceFor(db, prev, f.status, p.blob, at) }, at);
        affected.add(f.id);
      } else if (p.error) {
        putErr.run(p.path, p.size, p.mtime, p.error.message, p.error.line ?? null, dir);
      }
    }
    const setBlob = db.prepare('UPDATE task_files SET blob = ? WHERE source = ? AND path = ? AND blob IS NULL');
    const seen = db.prepare('INSERT OR IGNORE INTO task_blobs (blob, first_seen_at) VALUES (?, ?)');
    for (const b of blobs) {
      setBlob.run(b.blob, dir, b.path);
      seen.run(b.blob, known.get(b.path)?.status_since ?? at);
    }
    if (first) {
      for (const k of known.values()) affected.add(k.id);
      db.prepare('DELETE FROM meta WHERE key = ?').run(`sync:${dir}`);
    }
    setSource(db, dir, { stamp, label: opts.label, root: opts.root, at }, src);
    recomputeTasks(db, affected, at);
  });
  result.problems = storedProblems(db, dir);
  return result;
}

/** The stamp a folder's quick sync compares: its mtime, and the id pattern its files were read with. */
function folderStamp(mtimeMs: number, config: SortieConfig): string {
  return `${mtimeMs}:${config.tasks.idPattern}`;
}

// task_errors rows of one folder (rows from before the migration have no source).
const ERRORS_OF = "(source = @dir OR (source IS NULL AND substr(path, 1, length(@dir) + 1) = @dir || '/'))";

function setSource(db: Database, dir: string, s: { stamp: string; label: string | null | undefined; root: string | undefined; at: string }, was: { label: string | null } | undefined): void {
  db.prepare(
    `INSERT INTO task_sources (source, kind, label, root, stamp, synced_at) VALUES (@dir, 'worktree', @label, @root, @stamp, @at)
     ON CONFLICT (source) DO UPDATE SET stamp = excluded.stamp, synced_at = excluded.synced_at,
       label = CASE WHEN @keepLabel THEN task_sources.label ELSE excluded.label END, root = COALESCE(excluded.root, task_sources.root)`,
  ).run({ dir, label: s.label ?? null, root: s.root ?? null, stamp: s.stamp, at: s.at, keepLabel: s.label === undefined ? 1 : 0 });
  // The branch a worktree has checked out names the states seen there: say it where it is shown.
  if (was && s.label !== undefined && s.label !== was.label) {
    recomputeTasks(db, db.prepare('SELECT id FROM tasks WHERE origin_source = ?').pluck().all(dir) as string[], s.at);
  }
}

/** Since when a file's status has been what it is: kept while the status stays; else when its content was first seen. */
export function sinceFor(db: Database, prev: { status: Status | null; status_since: string | null } | undefined, status: Status, blob: string | null, at: string, notAfter?: string): string {
  if (prev && prev.status === status && prev.status_since) return prev.status_since;
  let since = at;
  if (blob) {
    const seen = prepared(db, 'SELECT first_seen_at FROM task_blobs WHERE blob = ?').pluck().get(blob) as string | undefined;
    if (seen && seen < since) since = seen;
  }
  if (notAfter && notAfter < since) since = notAfter;
  return since;
}

const PUT_FILE = `INSERT OR REPLACE INTO task_files (source, path, id, title, status, priority, prio_rank, role, labels, depends_on, created, size, mtime_ms, blob, status_since)
  VALUES (@source, @path, @id, @title, @status, @priority, @prio_rank, @role, @labels, @depends_on, @created, @size, @mtime, @blob, @since)`;

/** The one place a file's row is written: the row, its content's first sighting, and its id. */
export function putFile(db: Database, source: string, path: string, f: FileFields, o: { size: number; mtime: number; blob: string | null; since: string }, at: string): void {
  prepared(db, PUT_FILE).run({ source, path, ...f, size: o.size, mtime: o.mtime, blob: o.blob, since: o.since });
  if (o.blob) prepared(db, 'INSERT OR IGNORE INTO task_blobs (blob, first_seen_at) VALUES (?, ?)').run(o.blob, o.since < at ? o.since : at);
  rememberIds(db, [f], at, source);
}

/** The files of one folder that could not be read (the reader's own checkout: what it reports). */
export function storedProblems(db: Database, dir?: string): SyncProblem[] {
  const rows = (dir ? db.prepare(`SELECT path, line, message FROM task_errors WHERE ${ERRORS_OF} ORDER BY path`).all({ dir }) : db.prepare('SELECT path, line, message FROM task_errors ORDER BY path').all()) as {
    path: string;
    line: number | null;
    message: string;
  }[];
  return rows.map((r) => ({ path: r.path, line: r.line ?? undefined, message: r.message }));
}

/**
 * After sortie itself writes a task file, its row is refreshed without a directory scan (and,
 * unless the caller does it once for several changes, the effective row recomputed).
 */
export function indexTaskFile(db: Database, task: Task, now: Date, o: { recompute?: boolean } = {}): void {
  const st = statSync(task.path);
  const blob = gitBlobId(readFileSync(task.path));
  const at = iso(now);
  const source = dirname(task.path);
  db.prepare("INSERT OR IGNORE INTO task_sources (source, kind) VALUES (?, 'worktree')").run(source);
  const prev = db.prepare('SELECT status, status_since FROM task_files WHERE source = ? AND path = ?').get(source, task.path) as { status: Status | null; status_since: string | null } | undefined;
  putFile(db, source, task.path, fieldsOf(task), { size: st.size, mtime: st.mtimeMs, blob, since: prev?.status === task.status && prev.status_since ? prev.status_since : at }, at);
  db.prepare('DELETE FROM task_errors WHERE path = ?').run(task.path);
  if (o.recompute !== false) recomputeTasks(db, [task.id], at);
}

/** Drops a file's row (sortie renamed or removed it). */
export function unindexTaskFile(db: Database, path: string): string | undefined {
  const id = db.prepare('SELECT id FROM task_files WHERE source = ? AND path = ?').pluck().get(dirname(path), path) as string | undefined;
  db.prepare('DELETE FROM task_files WHERE source = ? AND path = ?').run(dirname(path), path);
  return id;
}

export interface WorktreeSource {
  /** The worktree's task folder: the source's key. */
  tasksDir: string;
  root: string;
  branch: string | undefined;
}

/**
 * The other worktrees' task folders. Without `all` (hooks): only those the database knows, one
 * folder stat each, re-read when changed. With `all` (the worktrees as listed on disk: commands,
 * post-checkout): new worktrees are added (their files read once), and the folders of worktrees
 * that are gone are dropped with their rows.
 */
export function syncOtherWorktrees(db: Database, config: SortieConfig, now: Date, here: string, all?: WorktreeSource[]): void {
  if (all) {
    const listed = new Set<string>([here]);
    for (const wt of all) {
      listed.add(wt.tasksDir);
      if (wt.tasksDir === here) continue;
      syncTasks(db, wt.tasksDir, config, now, { quick: true, label: wt.branch ?? null, root: wt.root });
    }
    const stale = (db.prepare("SELECT source, root FROM task_sources WHERE kind = 'worktree'").all() as { source: string; root: string | null }[]).filter(
      (s) => !listed.has(s.source) && (!existsSync(s.source) || (s.root !== null && !existsSync(join(s.root, '.git')))),
    );
    if (stale.length) write(db, () => stale.forEach((s) => dropSource(db, s.source, iso(now))));
    return;
  }
  const known = db.prepare("SELECT source, stamp FROM task_sources WHERE kind = 'worktree' AND stamp IS NOT NULL AND source != ?").all(here) as { source: string; stamp: string }[];
  for (const k of known) {
    let mtime: number;
    try {
      mtime = statSync(k.source).mtimeMs;
    } catch {
      continue; // gone: dropped by the next command, which lists the worktrees
    }
    if (folderStamp(mtime, config) !== k.stamp) syncTasks(db, k.source, config, now, { quick: true });
  }
}

/** Forgets a source and its rows (a worktree removed, a branch deleted), recomputing its ids. */
export function dropSource(db: Database, source: string, at: string): void {
  const ids = db.prepare('SELECT DISTINCT id FROM task_files WHERE source = ?').pluck().all(source) as string[];
  db.prepare('DELETE FROM task_files WHERE source = ?').run(source);
  db.prepare(`DELETE FROM task_errors WHERE ${ERRORS_OF}`).run({ dir: source });
  db.prepare('DELETE FROM task_sources WHERE source = ?').run(source);
  recomputeTasks(db, ids, at);
}
