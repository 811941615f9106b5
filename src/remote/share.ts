import type { SortieConfig } from '../config/types.js';
import { SortieError } from '../errors.js';
import { hostName } from '../lazy.js';
import { gitPersonKey, type Env, type Repo } from '../git.js';
import { cloneId, type MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { recomputeTasks } from '../tasks/effective.js';
import { claimPrecheck, claimTask, startable, type ClaimResult, type NextPick, type ReserveId, type TaskWorld } from '../tasks/tasks.js';
import { rememberIds } from '../tasks/state.js';
import { record } from '../activity.js';
import type { Status } from '../tasks/status.js';
import { iso, parseDuration } from '../time.js';
import { cacheFetchedAt, cacheRow, heldElsewhere, setCacheFetchedAt, storeDoc, thisClone, type CacheRow } from './cache.js';
import { MAX_NOTE, parseClaimDoc, type ClaimDoc, type ClaimState, type Holder, type IdDoc } from './doc.js';
import { remoteMessages } from './messages.js';
import { casPush, claimRef, fetchClaims, idRef, mirrorTips, NETWORK_TIMEOUT_MS, readRecords, remoteIds, remoteUrl, writeRecord, type FetchOutcome, type Remote } from './refs.js';

/**
 * Claims shared across clones through the git remote the team already has (issue 12). The remote's
 * atomic ref updates are the compare-and-swap: a claim is published before it is recorded here,
 * so of N clones claiming at once exactly one wins; the losers read the winner's claim.json and are
 * told who holds the task. Everything here runs in commands, never on a hook's path.
 */

export interface Sharing extends Remote {
  url: string;
  leaseMs: number;
  offline: SortieConfig['remote']['offline'];
}

/** The remote claims are shared through, or undefined: sharing off, or no such remote. */
export function sharingOf(w: { repo: Repo; config: SortieConfig }, env: Env): Sharing | undefined {
  const c = w.config.remote;
  if (!c.enabled) return undefined;
  // Asked once per world (one `git config` spawn), however many steps of a command ask.
  const known = memo.get(w.config);
  if (known !== undefined) return known ?? undefined;
  const url = remoteUrl(w.repo, env, c.name);
  const s = url ? { name: c.name, repo: w.repo, env, url, timeoutMs: NETWORK_TIMEOUT_MS, leaseMs: parseDuration(c.lease) ?? 2 * 3_600_000, offline: c.offline } : undefined;
  memo.set(w.config, s ?? null);
  return s;
}
const memo = new WeakMap<object, Sharing | null>();

interface ShareWorld {
  db: Database;
  repo: Repo;
  config: SortieConfig;
}

/** The cache is refreshed by commands when it is older than this. */
export const CACHE_MAX_AGE_MS = 3_000;

export type Refreshed = { ok: true; changed: number; skipped?: boolean } | Extract<FetchOutcome, { ok: false }>;

/**
 * Brings the cache (remote_claims) in line with the remote: one fetch of refs/sortie/claims/* into
 * this clone's mirror, one cat-file for the tips that moved, one write. The network is used
 * outside the database lock. `maxAgeMs`: nothing is done when the last refresh is younger.
 */
export function refreshCache(w: ShareWorld, s: Sharing, now: Date, o: { maxAgeMs?: number; backoffMs?: number } = {}): Refreshed {
  // Something queued while offline is published at the first contact, however fresh the cache.
  if (o.maxAgeMs !== undefined && !hasOutbox(w.db)) {
    const f = cacheFetchedAt(w.db);
    if (f && f.remote === s.name && now.getTime() - Date.parse(f.at) < o.maxAgeMs && now.getTime() >= Date.parse(f.at)) return { ok: true, changed: 0, skipped: true };
  }
  // A remote that did not answer a moment ago is not waited for again by every command (unless
  // something waits to be published: another clone may be about to claim the same task).
  const failed = lastFailure(w.db);
  if (o.backoffMs !== undefined && failed && !hasOutbox(w.db) && now.getTime() - Date.parse(failed.at) < o.backoffMs && now.getTime() >= Date.parse(failed.at)) {
    return { ok: false, kind: 'unreachable', detail: `${failed.detail} (at ${failed.at.slice(11, 19)} UTC; tried again ${Math.round(o.backoffMs / 1000)} s after)` };
  }
  const fetched = fetchClaims(s);
  if (!fetched.ok) {
    if (fetched.kind === 'unreachable') write(w.db, () => w.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('remote_failed', ?)").run(`${iso(now)} ${fetched.detail}`));
    return fetched;
  }
  if (failed) write(w.db, () => w.db.prepare("DELETE FROM meta WHERE key = 'remote_failed'").run());
  let changed = applyMirror(w, s, now);
  if (hasOutbox(w.db)) {
    const f = flushOutbox(w, s, now);
    // A queued claim that lost: read what won, which revokes the claim here.
    if (f.lost && fetchClaims(s).ok) changed += applyMirror(w, s, now);
  }
  return { ok: true, changed };
}

function lastFailure(db: Database): { at: string; detail: string } | undefined {
  const v = db.prepare("SELECT value FROM meta WHERE key = 'remote_failed'").pluck().get() as string | undefined;
  if (!v) return undefined;
  const sp = v.indexOf(' ');
  return { at: v.slice(0, sp), detail: v.slice(sp + 1) };
}

/** How long a command waits on the remote for its opportunistic refresh (a claim waits longer). */
export const REFRESH_TIMEOUT_MS = 5_000;
/** After the remote did not answer, commands do not try again for this long (claims always do). */
export const REFRESH_BACKOFF_MS = 60_000;

const hasOutbox = (db: Database) => db.prepare('SELECT 1 FROM remote_outbox LIMIT 1').get() !== undefined;

/** Mirrors the fetched refs into the table: rows whose tip moved are re-read, rows gone are dropped. */
function applyMirror(w: ShareWorld, s: Sharing, now: Date): number {
  const tips = mirrorTips(s);
  const known = new Map((w.db.prepare('SELECT task, tip, remote FROM remote_claims').all() as { task: string; tip: string; remote: string }[]).map((r) => [r.task, r]));
  const moved = [...tips].filter(([task, tip]) => known.get(task)?.tip !== tip || known.get(task)?.remote !== s.name);
  const texts = readRecords(s, moved.map(([, tip]) => tip));
  const at = iso(now);
  return write(w.db, () => {
    const changed: string[] = [];
    // A row another process of this clone wrote since it was read here (its own push, newer than
    // this fetch) is left as it is: the fetch must not put an older state over it.
    const tipNow = w.db.prepare('SELECT tip FROM remote_claims WHERE task = ?').pluck();
    const untouched = (task: string) => (tipNow.get(task) as string | undefined) === known.get(task)?.tip;
    for (const [task, tip] of moved) {
      const doc = parseClaimDoc(texts.get(tip) ?? '', task);
      if (!doc || !untouched(task)) continue; // not sortie's (or damaged): ignored, as if absent
      storeDoc(w.db, s.name, tip, doc, at);
      changed.push(task);
    }
    const del = w.db.prepare('DELETE FROM remote_claims WHERE task = ?');
    for (const [task, r] of known) {
      if (tips.has(task) && r.remote === s.name) continue;
      if (changed.includes(task) || !untouched(task)) continue;
      del.run(task);
      changed.push(task);
    }
    setCacheFetchedAt(w.db, s.name, at);
    revokeLost(w.db, changed, at);
    recomputeTasks(w.db, changed, at);
    return changed.length;
  });
}

/**
 * A claim held here that the remote now gives to another clone (published there first while this
 * clone was offline, or taken over after its lease lapsed) is revoked here, loudly: the claim ends
 * (`revoked`), the activity says so (task.claim-revoked, which the mission's next context shows
 * first), and the guard then blocks its commits on the task. In the caller's transaction.
 */
function revokeLost(db: Database, ids: string[], at: string): void {
  for (const id of ids) {
    const other = heldElsewhere(db, id);
    if (!other) continue;
    const live = db.prepare('SELECT c.id, c.mission_id, m.agent FROM claims c JOIN missions m ON m.id = c.mission_id WHERE c.task_id = ? AND c.released_at IS NULL').get(id) as
      | { id: number; mission_id: number; agent: string }
      | undefined;
    if (!live) continue;
    db.prepare("UPDATE claims SET released_at = ?, release_reason = 'revoked' WHERE id = ?").run(at, live.id);
    db.prepare('DELETE FROM remote_outbox WHERE task = ?').run(id);
    record(db, {
      kind: 'task.claim-revoked',
      at,
      missionId: live.mission_id,
      agent: live.agent,
      taskId: id,
      detail: { holder: other.codename, host: other.host, person: other.person, clone: other.clone, since: other.since, remote: other.remote, event: other.event },
    });
  }
}

/**
 * Publishes what was queued while the remote could not be reached, each by CAS over the tip it
 * was made against, then over what the remote has now (a claim another clone holds there is not
 * overwritten: the refresh that follows revokes the claim here). Runs after a successful fetch.
 */
export function flushOutbox(w: ShareWorld, s: Sharing, now: Date): { published: number; lost: number; left: number } {
  const rows = w.db.prepare('SELECT task, doc, expected FROM remote_outbox ORDER BY queued_at').all() as { task: string; doc: string; expected: string | null }[];
  let published = 0;
  let lost = 0;
  let left = 0;
  for (const q of rows) {
    const doc = parseClaimDoc(q.doc, q.task);
    const drop = () => write(w.db, () => w.db.prepare('DELETE FROM remote_outbox WHERE task = ? AND doc = ?').run(q.task, q.doc));
    if (!doc) {
      drop();
      continue;
    }
    const row = cacheRow(w.db, q.task);
    if (row && row.tip !== q.expected && row.state === 'held' && !mineRow(w, row) && !expired(row, now)) {
      lost++;
      drop();
      continue;
    }
    const res = publish(w, s, doc, row, now);
    if (res.ok) {
      published++;
      drop();
    } else if (res.kind === 'stale') lost++; // moved meanwhile: the next refresh decides
    else left++;
  }
  return { published, lost, left };
}

/** Who acts, as claim.json records it. */
function holderOf(w: ShareWorld, s: Sharing, actor: MissionRow): Holder {
  const clone = thisClone(w.db) ?? write(w.db, () => cloneId(w.db));
  return { codename: actor.codename, mission: actor.id, agent: actor.agent, person: actor.person ?? gitPersonKey(w.repo.root, s.env) ?? null, host: hostName(), clone };
}

const expired = (r: CacheRow, now: Date) => r.expires !== null && Date.parse(r.expires) <= now.getTime();
const mineRow = (w: ShareWorld, r: CacheRow) => r.clone !== null && r.clone === thisClone(w.db);

/**
 * Whether a claim the remote gives to a mission of this clone is over here (released, ended,
 * revoked) though the remote was not told: then it is no one's. A claim of this clone that is
 * not recorded here yet is a claim being made right now by another process: held.
 */
function releasedHere(db: Database, id: string, r: CacheRow): boolean {
  const c = db.prepare('SELECT released_at FROM claims WHERE task_id = ? AND mission_id = ? ORDER BY id DESC LIMIT 1').get(id, r.mission) as { released_at: string | null } | undefined;
  return c !== undefined && c.released_at !== null;
}

function heldError(id: string, r: CacheRow, force: boolean, sameClone = false): SortieError {
  const m = sameClone ? remoteMessages.heldHere(id, r) : remoteMessages.heldElsewhere(id, r, force);
  return new SortieError('CLAIM_HELD', m.message, {
    hint: m.hint,
    data: { task: id, holder: { mission: r.mission, codename: r.codename, agent: r.agent, person: r.person, since: r.since ?? r.changed_at, host: r.host, clone: r.clone, remote: r.remote, expires: r.expires } },
  });
}

function refusedError(s: Sharing, ref: string, detail: string): SortieError {
  const m = remoteMessages.refused(s.name, ref, detail);
  return new SortieError('REMOTE_REFUSED', m.message, { hint: m.hint, data: { remote: s.name, ref, detail } });
}

/** One CAS of a claim doc over the tip this clone last saw; the cache row follows on success. */
function publish(w: ShareWorld, s: Sharing, doc: ClaimDoc, expected: CacheRow | undefined, now: Date): ReturnType<typeof casPush> & { tip?: string } {
  const ref = claimRef(doc.task);
  const message = `sortie: ${doc.task} ${doc.event} by ${doc.holder.codename}`;
  let tip = writeRecord(s, 'claim.json', doc, expected?.tip, message, now);
  let res = casPush(s, [{ ref, to: tip, expected: expected?.tip ?? null }]);
  if (!res.ok && res.kind === 'unreachable' && expected && /bad object|missing|did not send all necessary objects|unable to read/i.test(res.detail)) {
    // The previous tip's object is not in this clone any more: the chain starts again here.
    tip = writeRecord(s, 'claim.json', doc, undefined, message, now);
    res = casPush(s, [{ ref, to: tip, expected: expected.tip }]);
  }
  if (res.ok) {
    write(w.db, () => {
      storeDoc(w.db, s.name, tip, doc, iso(now));
      // The remote answered: commands need not hold back from it any more.
      w.db.prepare("DELETE FROM meta WHERE key = 'remote_failed'").run();
    });
  }
  return { ...res, tip };
}

export type Acquired = { kind: 'won'; tip: string; takeover: boolean; previous: CacheRow | undefined } | { kind: 'offline'; detail: string; expected: CacheRow | undefined };

/**
 * Claims the task on the remote by compare-and-swap: over the tip this clone last saw, fetching
 * and deciding again when another clone moved it first. Held by another clone (its lease not
 * lapsed): CLAIM_HELD naming the holder. Unreachable: `offline` (the caller applies remote.offline).
 */
export function acquire(w: ShareWorld, s: Sharing, actor: MissionRow, id: string, now: Date, o: { force?: boolean } = {}): Acquired {
  let fetched = false;
  for (let attempt = 0; attempt < 6; attempt++) {
    const row = cacheRow(w.db, id);
    const ours = row && mineRow(w, row) && row.mission === actor.id;
    let takeover = false;
    if (row && (row.state === 'done' || row.state === 'aborted') && !o.force && !mineRow(w, row)) {
      // Finished in another clone: finished here too (a person reopens it: sortie task reopen).
      throw new SortieError('NOT_CLAIMABLE', `${id} is ${row.status} in another clone (${row.codename ?? '?'} on ${row.host ?? '?'}, ${row.changed_at}); closed tasks cannot be claimed`, {
        hint: `a person can reopen it: sortie task reopen ${id}   (or sortie task claim ${id} --force)`,
        data: { task: id, status: row.status, origin: row.remote },
      });
    }
    if (row && row.state === 'held' && !ours) {
      if (!fetched) {
        // The cache may be behind (released since): ask the remote before refusing.
        const r = refreshCache(w, s, now);
        fetched = true;
        if (r.ok) continue;
        if (r.kind === 'refused') throw refusedError(s, claimRef(id), r.detail);
        if (!mineRow(w, row) || !releasedHere(w.db, id, row)) throw heldError(id, row, Boolean(o.force), mineRow(w, row));
        return { kind: 'offline', detail: r.detail, expected: row };
      }
      if (!expired(row, now) && !(mineRow(w, row) && releasedHere(w.db, id, row))) throw heldError(id, row, Boolean(o.force), mineRow(w, row));
      takeover = true;
    }
    const doc = heldDoc(w, s, actor, id, now, row, takeover);
    const res = publish(w, s, doc, row, now);
    if (res.ok) return { kind: 'won', tip: res.tip!, takeover, previous: row };
    if (res.kind === 'unreachable') return { kind: 'offline', detail: res.detail, expected: row };
    if (res.kind === 'refused') {
      // Pushing is refused, reading may not be: when another clone holds the task, that is the answer.
      if (!fetched && refreshCache(w, s, now).ok) {
        const now2 = cacheRow(w.db, id);
        if (now2 && now2.state === 'held' && !(mineRow(w, now2) && now2.mission === actor.id) && !expired(now2, now)) throw heldError(id, now2, Boolean(o.force), mineRow(w, now2));
      }
      throw refusedError(s, claimRef(id), res.detail);
    }
    // Lost the race (stale lease): read what won, then decide again.
    const r = refreshCache(w, s, now);
    fetched = true;
    if (!r.ok) {
      if (r.kind === 'refused') throw refusedError(s, claimRef(id), r.detail);
      return { kind: 'offline', detail: r.detail, expected: row };
    }
  }
  throw new SortieError('CLAIM_HELD', `${id} changed on the remote "${s.name}" at every attempt; try again`, { hint: `sortie task claim ${id}`, data: { task: id } });
}

/** The claim.json of a claim by `actor`, over `row` (what the remote had). */
function heldDoc(w: ShareWorld, s: Sharing, actor: MissionRow, id: string, now: Date, row: CacheRow | undefined, takeover: boolean): ClaimDoc {
  const at = iso(now);
  const ours = row && mineRow(w, row) && row.mission === actor.id;
  return {
    v: 1,
    task: id,
    state: 'held',
    status: 'UNDERWAY',
    holder: holderOf(w, s, actor),
    since: at,
    expires: iso(now.getTime() + s.leaseMs),
    changedAt: at,
    event: takeover ? 'takeover' : 'claim',
    previous: row && !ours ? { codename: row.codename ?? '', clone: row.clone ?? '', state: row.state } : undefined,
  };
}

export type SharedClaim = ClaimResult & { shared: 'published' | 'queued' | 'already'; takeover?: { codename: string | null; host: string | null; expires: string | null } | undefined };

/**
 * `task claim` with sharing on: the local checks first (nothing is published for a claim this
 * clone would refuse), then the claim on the remote by CAS, then the claim here. A local claim
 * that fails after the remote one won takes the remote one back. Unreachable remote: claimed here
 * with a warning and queued (remote.offline `claim-locally`), or refused (`refuse`).
 */
export function claimShared(w: TaskWorld & ShareWorld, s: Sharing, actor: MissionRow, id: string, now: Date, o: { force?: boolean }, warn: (text: string) => void): SharedClaim {
  const pre = claimPrecheck(w, actor, id, now, o);
  if (pre.already) return { ...claimTask(w, actor, id, now, o), shared: 'already' };
  const got = acquire(w, s, actor, id, now, o);
  if (got.kind === 'offline') {
    if (s.offline === 'refuse') {
      const m = remoteMessages.unreachable(s.name, got.detail);
      throw new SortieError('REMOTE_UNREACHABLE', m.message, { hint: m.hint, data: { task: id, remote: s.name, detail: got.detail } });
    }
    const r = claimTask(w, actor, id, now, o);
    queue(w, heldDoc(w, s, actor, id, now, got.expected, false), got.expected, actor, now);
    warn(remoteMessages.claimedOffline(id, s.name, got.detail));
    return { ...r, shared: 'queued' };
  }
  let r: ClaimResult;
  try {
    r = claimTask(w, actor, id, now, o);
  } catch (e) {
    const failed = undoAcquire(w, s, id, got, now);
    if (failed) warn(remoteMessages.undoFailed(id, s.name, failed));
    throw e;
  }
  if (!got.takeover || !got.previous) return { ...r, shared: 'published' };
  const p = got.previous;
  write(w.db, () =>
    record(w.db, { kind: 'task.takeover', at: iso(now), missionId: actor.id, agent: actor.agent, taskId: id, detail: { from: p.codename, host: p.host, clone: p.clone, expired: p.expires, remote: s.name } }),
  );
  return { ...r, shared: 'published', takeover: { codename: p.codename, host: p.host, expires: p.expires } };
}

/** What a status verb leaves on the remote. */
const STATE_OF: Record<string, ClaimState> = { done: 'done', abort: 'aborted', handoff: 'handed-off', release: 'released', block: 'released', pause: 'released', review: 'held', reopen: 'released', revoke: 'released' };

export type Published = 'published' | 'queued' | 'none' | 'conflict' | 'refused';

/**
 * Publishes a change made here (done, abort, handoff, release, block, pause, review, reopen) over
 * the claim on the remote, so every clone sees it: a task finished here is finished everywhere.
 * Tasks never shared are published only when the change finishes them (or reopens them). A claim
 * another clone holds now is not overwritten (a warning says so). Unreachable: queued.
 */
export function publishChange(w: ShareWorld, s: Sharing, actor: MissionRow, id: string, verb: string, status: Status, now: Date, warn: (text: string) => void, o: { force?: boolean; note?: string | undefined } = {}): Published {
  const state = STATE_OF[verb];
  if (!state) return 'none';
  const at = iso(now);
  for (let attempt = 0; attempt < 4; attempt++) {
    const row = cacheRow(w.db, id);
    if (!row && state !== 'done' && state !== 'aborted' && verb !== 'reopen') return 'none';
    if (row && row.state === state && row.status === status && state !== 'held' && mineRow(w, row)) return 'none'; // published already
    if (row && row.state === 'held' && !mineRow(w, row) && !expired(row, now) && !o.force) {
      warn(remoteMessages.conflict(id, row));
      return 'conflict';
    }
    const doc: ClaimDoc = {
      v: 1,
      task: id,
      state,
      status,
      holder: holderOf(w, s, actor),
      since: row?.since ?? at,
      expires: state === 'held' ? iso(now.getTime() + s.leaseMs) : null,
      changedAt: at,
      event: verb,
      note: verb === 'handoff' && o.note ? o.note.slice(0, MAX_NOTE) : undefined,
      previous: row && (row.mission !== actor.id || !mineRow(w, row)) ? { codename: row.codename ?? '', clone: row.clone ?? '', state: row.state } : undefined,
    };
    const res = publish(w, s, doc, row, now);
    if (res.ok) return 'published';
    if (res.kind === 'unreachable') {
      queue(w, doc, row, actor, now);
      warn(remoteMessages.queued(id, s.name, res.detail));
      return 'queued';
    }
    if (res.kind === 'refused') {
      warn(remoteMessages.notPublished(id, s.name, `${res.detail} (${remoteMessages.refused(s.name, claimRef(id), res.detail).hint})`));
      return 'refused';
    }
    const r = refreshCache(w, s, now);
    if (!r.ok) {
      queue(w, doc, row, actor, now);
      warn(remoteMessages.queued(id, s.name, r.detail));
      return 'queued';
    }
  }
  warn(remoteMessages.notPublished(id, s.name, 'it changed on the remote at every attempt'));
  return 'conflict';
}

/** A change to publish at the next contact (remote_outbox); a later one for the same task replaces it. */
export function queue(w: ShareWorld, doc: ClaimDoc, expected: CacheRow | undefined, actor: MissionRow, now: Date): void {
  write(w.db, () =>
    w.db
      .prepare('INSERT OR REPLACE INTO remote_outbox (task, doc, expected, queued_at, mission) VALUES (?, ?, ?, ?, ?)')
      .run(doc.task, JSON.stringify(doc), expected?.tip ?? null, iso(now), actor.id),
  );
}

/** Takes back a claim just published (the local claim then failed): back to the tip before it, by CAS. */
export function undoAcquire(w: ShareWorld, s: Sharing, id: string, won: Extract<Acquired, { kind: 'won' }>, now: Date): string | undefined {
  const ref = claimRef(id);
  const res = casPush(s, [{ ref, to: won.previous?.tip ?? null, expected: won.tip }]);
  if (!res.ok) return res.detail;
  write(w.db, () => {
    if (won.previous) {
      const doc = parseClaimDoc(readRecords(s, [won.previous.tip]).get(won.previous.tip) ?? '', id);
      if (doc) storeDoc(w.db, s.name, won.previous.tip, doc, iso(now));
    } else w.db.prepare('DELETE FROM remote_claims WHERE task = ?').run(id);
    recomputeTasks(w.db, [id], iso(now));
  });
  return undefined;
}

export type Reservation = { ok: true } | { ok: false; kind: 'taken' } | { ok: false; kind: 'unreachable' | 'refused'; detail: string };

/** Reserves a new task id on the remote (refs/sortie/ids/<ID>, which must not exist yet). */
export function reserveId(w: ShareWorld, s: Sharing, id: string, task: { title: string; created: string }): Reservation {
  const clone = thisClone(w.db) ?? write(w.db, () => cloneId(w.db));
  const doc: IdDoc = { v: 1, task: id, title: task.title, created: task.created, clone };
  const tip = writeRecord(s, 'id.json', doc, undefined, `sortie: reserve ${id}`);
  const res = casPush(s, [{ ref: idRef(id), to: tip, expected: null }]);
  if (res.ok) return { ok: true };
  if (res.kind === 'stale') return { ok: false, kind: 'taken' };
  return res;
}

/**
 * `task new`'s reservation of each id it takes (tasks/allocate.ts ReserveId): on the remote when
 * sharing is on. Taken there: the ids every clone reserved are learnt at once (one ls-remote), so
 * the next number tried is past them all. Unreachable or refused: a warning, and local rules.
 */
export function reserveIds(w: ShareWorld, s: Sharing | undefined, now: Date, warn: (text: string) => void): ReserveId | undefined {
  if (!s) return undefined;
  let local = false;
  let learnt = false;
  return (id, task) => {
    if (local) return true;
    const r = reserveId(w, s, id, task);
    if (r.ok) return true;
    if (r.kind === 'taken') {
      if (!learnt) {
        learnt = true;
        const ids = remoteIds(s);
        if (ids) write(w.db, () => rememberIds(w.db, ids.map((x) => ({ id: x })), iso(now), 'taken elsewhere'));
      }
      return false;
    }
    local = true;
    warn(r.kind === 'unreachable' ? remoteMessages.idsOffline(s.name, r.detail) : remoteMessages.notPublished(id, s.name, `${r.detail} (${remoteMessages.refused(s.name, idRef(id), r.detail).hint})`));
    return true;
  };
}

/**
 * What this clone owes the remote, settled by commands (never by hooks): a claim the remote still
 * gives to a mission of this clone whose claim here is over (released by a reaped or ended
 * mission, by a hook that cannot use the network) is released there; a claim still held here
 * whose lease is past its half is renewed. Each is one CAS; a failure waits for the next command.
 */
export function reconcile(w: ShareWorld, s: Sharing, now: Date): { released: string[]; renewed: string[] } {
  const mine = thisClone(w.db);
  const out = { released: [] as string[], renewed: [] as string[] };
  if (!mine) return out;
  const rows = w.db.prepare("SELECT * FROM remote_claims WHERE state = 'held' AND clone = ? AND remote = ?").all(mine, s.name) as CacheRow[];
  for (const row of rows) {
    const live = w.db.prepare('SELECT m.* FROM claims c JOIN missions m ON m.id = c.mission_id WHERE c.task_id = ? AND c.released_at IS NULL').get(row.task) as MissionRow | undefined;
    if (!live && releasedHere(w.db, row.task, row)) {
      const by = w.db.prepare('SELECT * FROM missions WHERE id = ?').get(row.mission) as MissionRow | undefined;
      if (!by) continue;
      const status = (w.db.prepare('SELECT status FROM tasks WHERE id = ?').pluck().get(row.task) as Status | undefined) ?? 'UNDERWAY';
      const doc: ClaimDoc = { v: 1, task: row.task, state: 'released', status, holder: holderOf(w, s, by), since: row.since ?? row.changed_at, expires: null, changedAt: iso(now), event: 'release' };
      if (publish(w, s, doc, row, now).ok) out.released.push(row.task);
      continue;
    }
    if (live && live.id === row.mission && row.expires && Date.parse(row.expires) - now.getTime() < s.leaseMs / 2) {
      const status = (w.db.prepare('SELECT status FROM tasks WHERE id = ?').pluck().get(row.task) as Status | undefined) === 'REVIEW' ? 'REVIEW' : 'UNDERWAY';
      const doc: ClaimDoc = { ...heldDoc(w, s, live, row.task, now, row, false), status, since: row.since ?? iso(now), event: 'renew' };
      if (publish(w, s, doc, row, now).ok) out.renewed.push(row.task);
    }
  }
  return out;
}

export type Probe = { ok: true } | { ok: false; kind: 'refused' | 'unreachable' | 'stale'; detail: string; step: 'create' | 'delete' };

/**
 * Whether the remote accepts sortie's refs, by doing what a claim does: create a probe ref by CAS
 * (refs/sortie/probe/<clone>, which must not exist), then delete it by CAS. For `sortie doctor`.
 */
export function probeRemote(w: ShareWorld, s: Sharing, now: Date): Probe {
  const clone = thisClone(w.db) ?? write(w.db, () => cloneId(w.db));
  const ref = `refs/sortie/probe/${clone}`;
  const tip = writeRecord(s, 'probe.json', { v: 1, clone, at: iso(now) }, undefined, 'sortie: doctor probe', now);
  const made = casPush(s, [{ ref, to: tip, expected: null }]);
  if (!made.ok) return { ...made, step: 'create' };
  const gone = casPush(s, [{ ref, to: null, expected: tip }]);
  return gone.ok ? { ok: true } : { ...gone, step: 'delete' };
}

/** What waits to be published (made while the remote could not be reached). */
export function outboxSize(db: Database): number {
  return db.prepare('SELECT COUNT(*) FROM remote_outbox').pluck().get() as number;
}

/**
 * `sortie uninstall --remote`: the claims this clone holds on the remote are removed (each ref
 * deleted by CAS over the tip just fetched), so other clones can take the tasks. Finished tasks'
 * refs stay: they keep those tasks finished everywhere.
 */
export function removeClaimsOfClone(w: ShareWorld, s: Sharing, now: Date, o: { dryRun?: boolean } = {}): { removed: string[]; failed: { task: string; detail: string }[]; error?: string } {
  const out = { removed: [] as string[], failed: [] as { task: string; detail: string }[] };
  const r = refreshCache(w, s, now);
  if (!r.ok) return { ...out, error: r.detail };
  const mine = thisClone(w.db);
  if (!mine) return out;
  const rows = w.db.prepare("SELECT * FROM remote_claims WHERE clone = ? AND state = 'held' AND remote = ? ORDER BY task").all(mine, s.name) as CacheRow[];
  for (const row of rows) {
    if (o.dryRun) {
      out.removed.push(row.task);
      continue;
    }
    const res = casPush(s, [{ ref: claimRef(row.task), to: null, expected: row.tip }]);
    if (res.ok) {
      write(w.db, () => w.db.prepare('DELETE FROM remote_claims WHERE task = ?').run(row.task));
      out.removed.push(row.task);
    } else out.failed.push({ task: row.task, detail: res.detail });
  }
  return out;
}

/** Refusals that make `next --claim` try the next candidate rather than fail. */
const SKIP = new Set(['CLAIM_HELD', 'NOT_CLAIMABLE', 'ID_COLLISION', 'TRANSITION', 'TASK_PARSE', 'TASK_NOT_FOUND']);

/**
 * `sortie next --claim` with sharing on: the startable tasks best first, each claimed through the
 * remote (claimShared) until one is won; a task another clone or process won first is skipped.
 * Processes calling it at once, in one clone or several, get different tasks.
 */
export function claimNextShared(w: TaskWorld & ShareWorld, s: Sharing, actor: MissionRow, now: Date, warn: (text: string) => void): (SharedClaim & { kind: NextPick['kind'] }) | undefined {
  const tried = new Set<string>();
  for (let round = 0; round < 50; round++) {
    const pick = startable(w.db, 20).find((p) => !tried.has(p.task.id));
    if (!pick) return undefined;
    tried.add(pick.task.id);
    try {
      return { ...claimShared(w, s, actor, pick.task.id, now, {}, warn), kind: pick.kind };
    } catch (e) {
      if (e instanceof SortieError && SKIP.has(e.code)) continue;
      throw e;
    }
  }
  return undefined;
}
