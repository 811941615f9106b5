import type { Database } from '../store/open.js';
import type { Observation, Observer } from '../tasks/effective.js';
import type { Status } from '../tasks/status.js';
import type { ClaimDoc, ClaimState } from './doc.js';

/**
 * This clone's cache of the remote's claim refs (remote_claims), the one place the commit guard,
 * SessionStart and the effective state learn about other clones' claims: no network there, a
 * table read. Commands and claims refresh it (remote/share.ts).
 */

export interface CacheRow {
  task: string;
  remote: string;
  tip: string;
  state: ClaimState;
  status: Status;
  codename: string | null;
  mission: number | null;
  agent: string | null;
  person: string | null;
  host: string | null;
  clone: string | null;
  since: string | null;
  expires: string | null;
  changed_at: string;
  event: string | null;
  note: string | null;
  fetched_at: string;
}

/** This clone's id (meta clone_id), without making one: undefined before the first mission. */
export function thisClone(db: Database): string | undefined {
  return (db.prepare("SELECT value FROM meta WHERE key = 'clone_id'").pluck().get() as string | undefined) ?? undefined;
}

export function cacheRow(db: Database, task: string): CacheRow | undefined {
  return db.prepare('SELECT * FROM remote_claims WHERE task = ?').get(task) as CacheRow | undefined;
}

/** SQL: the cache row is a claim another clone holds. */
const ELSEWHERE = "r.state = 'held' AND r.clone IS NOT (SELECT value FROM meta WHERE key = 'clone_id')";

/** The claim another clone holds on this task, as last seen on the remote. */
export function heldElsewhere(db: Database, task: string): CacheRow | undefined {
  return db.prepare(`SELECT r.* FROM remote_claims r WHERE r.task = ? AND ${ELSEWHERE}`).get(task) as CacheRow | undefined;
}

/** For queries over tasks `t`: no other clone holds t (a task held elsewhere is not waiting for pickup). */
export const NOT_HELD_ELSEWHERE = `NOT EXISTS (SELECT 1 FROM remote_claims r WHERE r.task = t.id AND ${ELSEWHERE})`;

/** Writes what the remote's ref now says (its tip and claim.json), in the caller's transaction. */
export function storeDoc(db: Database, remote: string, tip: string, doc: ClaimDoc, at: string): void {
  db.prepare(
    `INSERT INTO remote_claims (task, remote, tip, state, status, codename, mission, agent, person, host, clone, since, expires, changed_at, event, note, fetched_at)
     VALUES (@task, @remote, @tip, @state, @status, @codename, @mission, @agent, @person, @host, @clone, @since, @expires, @changed_at, @event, @note, @fetched_at)
     ON CONFLICT (task) DO UPDATE SET remote = excluded.remote, tip = excluded.tip, state = excluded.state, status = excluded.status, codename = excluded.codename,
       mission = excluded.mission, agent = excluded.agent, person = excluded.person, host = excluded.host, clone = excluded.clone, since = excluded.since,
       expires = excluded.expires, changed_at = excluded.changed_at, event = excluded.event, note = excluded.note, fetched_at = excluded.fetched_at`,
  ).run({
    task: doc.task,
    remote,
    tip,
    state: doc.state,
    status: doc.status,
    codename: doc.holder.codename,
    mission: doc.holder.mission,
    agent: doc.holder.agent,
    person: doc.holder.person,
    host: doc.holder.host,
    clone: doc.holder.clone,
    since: doc.since,
    expires: doc.expires,
    changed_at: doc.changedAt,
    event: doc.event,
    note: doc.note ?? null,
    fetched_at: at,
  });
}

/** When the cache was last brought in line with the remote (a full fetch), and from which remote. */
export function cacheFetchedAt(db: Database): { remote: string; at: string } | undefined {
  const v = db.prepare("SELECT value FROM meta WHERE key = 'remote_fetched'").pluck().get() as string | undefined;
  if (!v) return undefined;
  const sp = v.indexOf(' ');
  return sp > 0 ? { at: v.slice(0, sp), remote: v.slice(sp + 1) } : undefined;
}

export function setCacheFetchedAt(db: Database, remote: string, at: string): void {
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('remote_fetched', ?)").run(`${at} ${remote}`);
}

/** How a cached claim is named where a state comes from: "laptop (origin)". */
export const sharedLabel = (r: Pick<CacheRow, 'host' | 'remote'>) => `${r.host ?? 'another clone'} (via ${r.remote})`;
export const SHARED_SOURCE = 'remote:';

/**
 * The other clones' claims and status changes, as observations of the effective state: a task
 * finished in another clone is finished here (terminal observations are sticky), one held there is
 * UNDERWAY here. This clone's own rows are already what it recorded (task_state).
 */
export const sharedObserver: Observer = {
  name: 'shared',
  observe(db, ids) {
    const rows = db
      .prepare(
        `SELECT r.* FROM remote_claims r WHERE r.clone IS NOT (SELECT value FROM meta WHERE key = 'clone_id') ${ids ? 'AND r.task IN (SELECT value FROM json_each(?))' : ''}`,
      )
      .all(...(ids ? [JSON.stringify(ids)] : [])) as CacheRow[];
    return rows.map(
      (r): Observation => ({
        id: r.task,
        status: r.status,
        at: r.changed_at,
        kind: 'shared',
        source: `${SHARED_SOURCE}${r.remote}`,
        label: sharedLabel(r),
        reopenedAt: r.event === 'reopen' ? r.changed_at : null,
      }),
    );
  },
};

/** The ids another clone holds, among these (every one when undefined). */
export function heldElsewhereIds(db: Database, ids: readonly string[] | undefined): string[] {
  return db.prepare(`SELECT r.task FROM remote_claims r WHERE ${ELSEWHERE} ${ids ? 'AND r.task IN (SELECT value FROM json_each(?))' : ''}`).pluck().all(...(ids ? [JSON.stringify(ids)] : [])) as string[];
}
