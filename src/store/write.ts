import { Deadline } from '../deadline.js';
import { SortieError } from '../errors.js';
import { environmentError } from '../env-errors.js';
import type { Database } from 'better-sqlite3';
import { describeHolders, lockHolders } from './lock-holder.js';

/**
 * How long a write may wait on other writers. `budgetMs` also stops the retries once that much
 * time has passed (checked between attempts), for callers that must answer by a deadline of their
 * own; a deadline bound to the connection (bindWaits) always applies.
 */
export interface WriteOptions {
  budgetMs?: number;
}

/**
 * The one way sortie writes: fn runs inside BEGIN IMMEDIATE, so the write lock is taken up front
 * and a read-then-write (a compare-and-swap) cannot interleave with another writer; it commits,
 * or rolls back if fn throws. SQLITE_BUSY is absorbed by busy_timeout and then by a bounded retry,
 * both within the connection's deadline (bindWaits).
 * fn may run more than once: it must not have effects outside the database before it returns.
 */
export function write<T>(db: Database, fn: () => T, o: WriteOptions = {}): T {
  return retryBusy(db, () => immediate(db, fn), o);
}

/**
 * Reads that must agree with each other (a board's counts and its cards) run in one read
 * transaction: every query in fn sees the same state of the database, whatever commits meanwhile.
 */
export function read<T>(db: Database, fn: () => T): T {
  return db.transaction(fn)();
}

function immediate<T>(db: Database, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}

/** Without a deadline (commands), a write makes at most this many attempts. */
const ATTEMPTS = 8;

interface Waits {
  /** The longest one wait on the lock may take (busy_timeout), before the deadline shortens it. */
  attemptMs: number;
  deadline: Deadline;
  /** The busy_timeout the connection has now, to set it only when it changes. */
  applied: number;
}

const waits = new WeakMap<Database, Waits>();

/**
 * Binds a connection's waits on the lock: each wait (SQLite's busy_timeout, one per statement
 * that finds the database locked) lasts at most attemptMs, and never beyond the deadline. Every
 * blocking step of the store takes its time from here (openDb binds it first thing).
 */
export function bindWaits(db: Database, o: { attemptMs: number; deadline?: Deadline | undefined }): void {
  waits.set(db, { attemptMs: o.attemptMs, deadline: o.deadline ?? Deadline.none(), applied: -1 });
  armWait(db);
}

/** The deadline bound to a connection (none for commands). */
export function deadlineOf(db: Database): Deadline {
  return waits.get(db)?.deadline ?? Deadline.none();
}

/**
 * Runs fn with the connection's waits bound by a shorter deadline `d` (it cannot be later than the
 * bound one): a step that may be skipped (catching up on the queue) does not eat the time of the
 * step that may not (starting the mission).
 */
export function within<T>(db: Database, d: Deadline, fn: () => T): T {
  const w = waits.get(db);
  if (!w) {
    bindWaits(db, { attemptMs: 5000, deadline: d });
    try {
      return fn();
    } finally {
      waits.delete(db);
    }
  }
  const prev = w.deadline;
  w.deadline = d.at < prev.at ? d : prev;
  armWait(db);
  try {
    return fn();
  } finally {
    w.deadline = prev;
    armWait(db);
  }
}

/** Sets busy_timeout for the statements that follow: the per-attempt wait, shortened to what is left. */
export function armWait(db: Database): number {
  const w = waits.get(db);
  if (!w) return -1;
  const ms = Math.floor(Math.min(w.attemptMs, w.deadline.remaining()));
  if (ms !== w.applied && db.open) {
    db.pragma(`busy_timeout = ${ms}`);
    w.applied = ms;
  }
  return ms;
}

/** SQLITE_BUSY or SQLITE_LOCKED from the driver, or sortie's own DB_BUSY. */
export function isBusy(e: unknown): boolean {
  if (e instanceof SortieError) return e.code === 'DB_BUSY';
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** The typed error for a database that stayed locked, naming who holds it when that can be found. */
export function busyError(file: string, cause: unknown): SortieError {
  const holders = lockHolders(file);
  const who = describeHolders(holders);
  return new SortieError('DB_BUSY', `the sortie database ${file} stayed locked by another process${who ? ` (${who})` : ''}`, {
    hint: holders.length
      ? `wait for it to finish, or stop it (kill ${holders.map((h) => h.pid).join(' ')}) if it is stuck`
      : `retry; if it persists, find the stuck process: fuser -v ${file}*`,
    data: { file, holders },
    cause,
  });
}

/**
 * busy_timeout absorbs most contention; this retry absorbs the rest (the WAL switch, a lock held
 * longer than one wait), pausing between attempts. It stops at the connection's deadline, at
 * budgetMs, or (without a deadline) after ATTEMPTS attempts, with a typed DB_BUSY.
 */
export function retryBusy<T>(db: Database, fn: () => T, o: WriteOptions = {}): T {
  const started = Date.now();
  for (let i = 0; ; i++) {
    armWait(db);
    try {
      return fn();
    } catch (e) {
      if (!isBusy(e) || e instanceof SortieError) throw environmentError(e, db.name) ?? e;
      const deadline = deadlineOf(db);
      const pause = 20 * 2 ** Math.min(i, 5) + Math.floor(Math.random() * 20);
      const left = Math.min(deadline.remaining(), o.budgetMs === undefined ? Infinity : o.budgetMs - (Date.now() - started));
      if ((!deadline.bounded && i >= ATTEMPTS - 1) || pause >= left) throw busyError(db.name, e);
      sleepSync(pause);
    }
  }
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}
