import type { Database } from '../store/open.js';
import type { Task } from './parse.js';
import { rowToTask, type TaskColumns, type TaskRow } from './row.js';
import { STATUSES, TERMINAL, type Status } from './status.js';
import { heldElsewhereIds, SHARED_SOURCE, sharedObserver } from '../remote/cache.js';

/**
 * The shared view: files say what a task is; this says who is on it and where it stands.
 *
 * Each task id has observations of its state, each with a time: what sortie itself recorded
 * (task_state: claims, status changes, reopen, at the time it wrote them) and what sortie saw in
 * task files (every worktree's folder, every branch not checked out: when it first saw that status
 * there). The effective state is the latest observation, except that a terminal status
 * (COMPLETE/ABORTED) seen anywhere is sticky: only a person's recorded reopen after it undoes it.
 * A task held by a live claim is UNDERWAY (or REVIEW) whatever a file elsewhere says.
 *
 * The result is materialized in `tasks` (one row per id, with where its status comes from) for
 * the ids whose observations changed, in the transaction that changed them, so hooks read one
 * indexed table and never fold anything.
 */

export type ObservationKind = 'recorded' | 'worktree' | 'branch' | 'remote' | 'shared';

/**
 * On a tie of times: what sortie recorded, then a checkout's files, then a local branch, then a
 * remote-tracking one, then another clone's claim seen on the git remote (issue 12).
 */
const PRECEDENCE: Record<ObservationKind, number> = { recorded: 0, worktree: 1, branch: 2, remote: 3, shared: 4 };

/** What a task is, as one file says it (the columns of `tasks` a file gives). */
export type TaskFields = Omit<TaskColumns, 'id' | 'status'>;

export interface Observation {
  id: string;
  status: Status;
  /** When this status was recorded, or first seen at this source (ISO). */
  at: string;
  kind: ObservationKind;
  /** The source: a worktree's task folder or a ref (for `recorded`, the folder of the checkout it was recorded in). */
  source: string | null;
  /** The branch to name it by ("COMPLETE on feat"). */
  label: string | null;
  /** Set for files: what the task is there. An id with no file anywhere is not a task. */
  fields?: TaskFields | undefined;
  /** A person's recorded reopen: terminal observations up to this time no longer count. */
  reopenedAt?: string | null | undefined;
}

/**
 * A place observations come from. The effective state folds every observer's observations; a
 * new source (issue 12: the claims on the git remote) is one more entry in `observers`.
 */
export interface Observer {
  name: string;
  /** The observations of these ids (of every id when undefined). Runs inside the caller's transaction. */
  observe(db: Database, ids: readonly string[] | undefined): Iterable<Observation>;
}

const idFilter = (ids: readonly string[] | undefined, col = 'id') => (ids ? `WHERE ${col} IN (SELECT value FROM json_each(?))` : '');
const idArgs = (ids: readonly string[] | undefined) => (ids ? [JSON.stringify(ids)] : []);

/** What sortie itself recorded (task_state). */
export const recordedObserver: Observer = {
  name: 'recorded',
  observe(db, ids) {
    const rows = db.prepare(`SELECT id, status, at, branch, worktree, reopened_at FROM task_state ${idFilter(ids)}`).all(...idArgs(ids)) as {
      id: string;
      status: Status;
      at: string;
      branch: string | null;
      worktree: string | null;
      reopened_at: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, status: r.status, at: r.at, kind: 'recorded' as const, source: r.worktree, label: r.branch, reopenedAt: r.reopened_at }));
  },
};

interface FileRow extends TaskFields {
  source: string;
  id: string;
  status: Status | null;
  status_since: string | null;
}

const refKind = (source: string): ObservationKind => (source.startsWith('refs/remotes/') ? 'remote' : 'branch');

/**
 * What the task files say: every worktree's rows, and every branch's (its own differences, or
 * the base tree's file where it has none).
 */
export const fileObserver: Observer = {
  name: 'files',
  observe(db, ids) {
    const sources = db.prepare('SELECT source, kind, label FROM task_sources').all() as { source: string; kind: 'worktree' | 'branch' | 'base'; label: string | null }[];
    const byKey = new Map(sources.map((s) => [s.source, s]));
    // Local branches before remote-tracking ones: the name a base file is shown under.
    const branches = sources.filter((s) => s.kind === 'branch').sort((a, b) => refKind(a.source).localeCompare(refKind(b.source)) || a.source.localeCompare(b.source));
    const rows = db
      .prepare(`SELECT source, path, id, title, status, priority, prio_rank, role, labels, depends_on, created, status_since FROM task_files ${idFilter(ids)}`)
      .all(...idArgs(ids)) as FileRow[];
    const out: Observation[] = [];
    const base: FileRow[] = [];
    const branchHas = new Set<string>();
    const obs = (r: FileRow, kind: ObservationKind, source: string, label: string | null): Observation => ({
      id: r.id,
      status: r.status!,
      at: r.status_since ?? '',
      kind,
      source,
      label,
      fields: { title: r.title, priority: r.priority, prio_rank: r.prio_rank, role: r.role, labels: r.labels, depends_on: r.depends_on, created: r.created, path: r.path },
    });
    for (const r of rows) {
      const s = byKey.get(r.source);
      if (!s) continue;
      if (s.kind === 'base') {
        base.push(r);
        continue;
      }
      if (s.kind === 'branch') branchHas.add(`${r.source}\0${r.id}`);
      if (r.status === null) continue; // a branch without the base's file
      out.push(obs(r, s.kind === 'worktree' ? 'worktree' : refKind(r.source), r.source, s.label));
    }
    for (const r of base) {
      if (r.status === null) continue;
      const holder = branches.find((b) => !branchHas.has(`${b.source}\0${r.id}`));
      if (holder) out.push(obs(r, refKind(holder.source), holder.source, holder.label));
    }
    return out;
  },
};

/** Every source of observations the effective state folds, in no particular order. */
export const observers: Observer[] = [recordedObserver, fileObserver, sharedObserver];

export interface Effective {
  id: string;
  status: Status;
  /** The observation the status comes from (undefined for a held task with nothing recorded). */
  origin: Observation | undefined;
  fields: TaskFields;
}

function later(a: Observation, b: Observation): boolean {
  if (a.at !== b.at) return a.at > b.at;
  if (a.kind !== b.kind) return PRECEDENCE[a.kind] < PRECEDENCE[b.kind];
  return (a.source ?? '') < (b.source ?? '');
}

function latest(list: Observation[]): Observation | undefined {
  let best: Observation | undefined;
  for (const o of list) if (!best || later(o, best)) best = o;
  return best;
}

/** The effective state of one id from its observations; undefined when no file anywhere has it. */
export function fold(id: string, obs: Observation[], held: boolean): Effective | undefined {
  const files = obs.filter((o) => o.fields);
  if (files.length === 0) return undefined;
  const reopenedAt = obs.reduce((m, o) => (o.reopenedAt && o.reopenedAt > m ? o.reopenedAt : m), '');
  const counted = obs.filter((o) => !TERMINAL.has(o.status) || o.at > reopenedAt);
  const terminal = latest(counted.filter((o) => TERMINAL.has(o.status)));
  let origin: Observation | undefined;
  let status: Status;
  if (terminal) {
    origin = terminal;
    status = terminal.status;
  } else if (held) {
    // Held: UNDERWAY (or REVIEW, which keeps the claim), from where it was claimed: here, or in
    // another clone (the later of the two when both said something).
    origin = latest(counted.filter((o) => o.kind === 'recorded' || o.kind === 'shared'));
    status = origin?.status === 'REVIEW' ? 'REVIEW' : 'UNDERWAY';
  } else {
    origin = latest(counted)!;
    status = origin.status;
  }
  const fields = origin?.fields ?? latest(files)!.fields!;
  return { id, status, origin, fields };
}

const UPSERT = `INSERT INTO tasks (id, title, status, priority, prio_rank, role, labels, depends_on, created, path, size, mtime_ms, synced_at, origin, origin_source, since)
  VALUES (@id, @title, @status, @priority, @prio_rank, @role, @labels, @depends_on, @created, @path, 0, 0, @synced_at, @origin, @origin_source, @since)
  ON CONFLICT (id) DO UPDATE SET title = excluded.title, status = excluded.status, priority = excluded.priority, prio_rank = excluded.prio_rank,
    role = excluded.role, labels = excluded.labels, depends_on = excluded.depends_on, created = excluded.created, path = excluded.path,
    synced_at = excluded.synced_at, origin = excluded.origin, origin_source = excluded.origin_source, since = excluded.since
  WHERE tasks.status IS NOT excluded.status OR tasks.title IS NOT excluded.title OR tasks.priority IS NOT excluded.priority
    OR tasks.role IS NOT excluded.role OR tasks.labels IS NOT excluded.labels OR tasks.depends_on IS NOT excluded.depends_on
    OR tasks.created IS NOT excluded.created OR tasks.path IS NOT excluded.path OR tasks.origin IS NOT excluded.origin
    OR tasks.origin_source IS NOT excluded.origin_source OR tasks.since IS NOT excluded.since`;

/** All observations of these ids (every id when undefined), by id. */
export function observe(db: Database, ids: readonly string[] | undefined): Map<string, Observation[]> {
  const byId = new Map<string, Observation[]>();
  for (const o of observers) {
    for (const x of o.observe(db, ids)) {
      let l = byId.get(x.id);
      if (!l) byId.set(x.id, (l = []));
      l.push(x);
    }
  }
  return byId;
}

/**
 * Recomputes the effective rows of these ids (or of every id), inside the caller's write
 * transaction: every change to an observation calls this for the ids it touched.
 */
export function recomputeTasks(db: Database, ids: Iterable<string> | 'all', at: string): number {
  const list = ids === 'all' ? undefined : [...new Set(ids)];
  if (list && list.length === 0) return 0;
  const byId = observe(db, list);
  const held = new Set(db.prepare(`SELECT task_id FROM claims WHERE released_at IS NULL ${list ? 'AND task_id IN (SELECT value FROM json_each(?))' : ''}`).pluck().all(...idArgs(list)) as string[]);
  for (const id of heldElsewhereIds(db, list)) held.add(id);
  const put = db.prepare(UPSERT);
  const del = db.prepare('DELETE FROM tasks WHERE id = ?');
  const kept: string[] = [];
  for (const id of list ?? byId.keys()) {
    const e = fold(id, byId.get(id) ?? [], held.has(id));
    if (!e) {
      del.run(id);
      continue;
    }
    kept.push(id);
    put.run({ id, status: e.status, ...e.fields, synced_at: at, origin: e.origin?.label ?? null, origin_source: e.origin?.source ?? null, since: e.origin?.at || at });
  }
  if (!list) db.prepare('DELETE FROM tasks WHERE id NOT IN (SELECT value FROM json_each(?))').run(JSON.stringify(kept));
  return kept.length;
}

/**
 * Where a task's effective state comes from, as seen from one checkout: set only when it is not
 * what this checkout's own file says ("COMPLETE on feat, not merged").
 */
export interface TaskOrigin {
  /** The branch the state was seen on, or recorded from. */
  branch: string;
  worktree?: string | undefined;
  /** false: this checkout's files do not say so (yet). */
  merged?: boolean | undefined;
  /** The status this checkout's own file says; null when it has no file for the task. */
  here?: Status | null | undefined;
}

/** The status a checkout's own file gives a task (its source is its task folder). */
export function statusHere(db: Database, here: string, id: string): Status | null {
  return (db.prepare('SELECT status FROM task_files WHERE id = ? AND source = ? AND status IS NOT NULL').pluck().get(id, here) as Status | undefined) ?? null;
}

/**
 * The origin to show a reader in the checkout whose task folder is `here`: nothing when the state
 * comes from that checkout, or its own file already says it.
 */
export function originFor(db: Database, row: Pick<TaskRow, 'id' | 'status' | 'origin' | 'origin_source'>, here: string | undefined): TaskOrigin | undefined {
  if (here === undefined || row.origin_source === here || (!row.origin_source && !row.origin)) return undefined;
  const mine = statusHere(db, here, row.id);
  if (mine === row.status) return undefined;
  // Another clone's claim or change, seen on the git remote: nothing to merge, it is where it is.
  if (row.origin_source?.startsWith(SHARED_SOURCE)) return { branch: row.origin ?? 'another clone', here: mine };
  const wt = row.origin_source ? (db.prepare("SELECT root FROM task_sources WHERE source = ? AND kind = 'worktree'").pluck().get(row.origin_source) as string | null | undefined) : undefined;
  return { branch: row.origin ?? 'another checkout', worktree: wt ?? undefined, merged: false, here: mine };
}

/** "on feat (not merged into main)": where a state comes from, for a reader on branch `hereBranch`. */
export function describeOrigin(o: TaskOrigin, hereBranch: string | undefined): string {
  const there = `on ${o.branch}`;
  if (o.merged !== false) return there;
  if (o.here === null) return `${there} (${hereBranch ? `not on ${hereBranch}` : 'not in this checkout'})`;
  return `${there} (not merged into ${hereBranch ?? 'this checkout'})`;
}

/** The branch checked out in the checkout whose task folder is `here` (as the last sync saw it). */
export function branchHere(db: Database, here: string): string | undefined {
  return (db.prepare('SELECT label FROM task_sources WHERE source = ?').pluck().get(here) as string | null | undefined) ?? undefined;
}

export interface EffectiveTask extends Task {
  /** undefined: the state is this checkout's own. */
  origin: TaskOrigin | undefined;
}

export interface EffectiveQuery {
  status?: Status | undefined;
  offset?: number | undefined;
  limit?: number | undefined;
  /** The reader's checkout (its task folder): origins are shown relative to it. */
  here?: string | undefined;
}

/** The one seam every board-like reader takes task states from: the effective view, with origins. */
export function effectiveTasks(db: Database, q: EffectiveQuery = {}): EffectiveTask[] {
  const rows = db
    .prepare(`SELECT * FROM tasks ${q.status ? 'WHERE status = ?' : ''} ORDER BY prio_rank, id LIMIT ? OFFSET ?`)
    .all(...(q.status ? [q.status] : []), q.limit ?? -1, q.offset ?? 0) as TaskRow[];
  return rows.map((r) => ({ ...rowToTask(r), origin: originFor(db, r, q.here) }));
}

/** How many tasks are in each effective status. */
export function effectiveCounts(db: Database): Record<Status, number> {
  const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as { status: Status; n: number }[]) out[r.status] = r.n;
  return out;
}
