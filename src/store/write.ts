import { SortieError } from '../errors.js';
import type { Database } from 'better-sqlite3';

/**
 * How long a write may wait on other writers. Today a write makes at most 8 attempts, each
 * waiting up to the connection's busy_timeout; `budgetMs` also stops the retries once that much
 * time has passed (checked between attempts), for callers that must answer by a deadline.
 */
export interface WriteOptions {
  budgetMs?: number;
}

/**
 * The one way sortie writes: fn runs inside BEGIN IMMEDIATE, so the write lock is taken up front
 * and a read-then-write (a compare-and-swap) cannot interleave with another writer; it commits,
 * or rolls back if fn throws. SQLITE_BUSY is absorbed by busy_timeout and then by a bounded retry.
 * fn may run more than once: it must not have effects outside the database before it returns.
 */
export function write<T>(db: Database, fn: () => T, o: WriteOptions = {}): T {
  return retryBusy(() => immediate(db, fn), o);
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

const ATTEMPTS = 8;

/** busy_timeout absorbs most contention; this bounded retry absorbs the rest (e.g. the WAL switch). */
export function retryBusy<T>(fn: () => T, o: WriteOptions = {}): T {
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      return fn();
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw e;
      const pause = 20 * 2 ** Math.min(i, 5) + Math.floor(Math.random() * 20);
      const spent = o.budgetMs !== undefined && Date.now() - started + pause > o.budgetMs;
      if (i >= ATTEMPTS - 1 || spent) {
        throw new SortieError('DB_BUSY', 'the sortie database stayed locked by another process', {
          hint: 'retry; if it persists, find the stuck process with `fuser` on the database file',
          cause: e,
        });
      }
      sleepSync(pause);
    }
  }
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}
