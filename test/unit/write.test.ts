/**
 * store/write.ts: the one transaction helper. A real second connection holds the write lock where
 * contention matters; attempts are counted, never timed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openDb } from '../../dist/store/open.js';
import { bindWaits, read, retryBusy, within, write } from '../../dist/store/write.js';
import { Deadline } from '../../dist/deadline.js';
import { SortieError } from '../../dist/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'sortie-write-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (busyTimeoutMs?: number) => openDb(join(tmp, `db-${++n}`, 'sortie.db'), { busyTimeoutMs });

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('write', () => {
  test('commits what fn wrote and returns its value', () => {
    const db = fresh();
    try {
      const v = write(db, () => {
        db.prepare("INSERT INTO meta (key, value) VALUES ('a', '1')").run();
        return 42;
      });
      expect(v).toBe(42);
      expect(db.inTransaction).toBe(false);
      expect(db.prepare("SELECT value FROM meta WHERE key = 'a'").pluck().get()).toBe('1');
    } finally {
      db.close();
    }
  });

  test('rolls everything back when fn throws, and rethrows', () => {
    const db = fresh();
    try {
      expect(() =>
        write(db, () => {
          db.prepare("INSERT INTO meta (key, value) VALUES ('b', '1')").run();
          throw new Error('changed my mind');
        }),
      ).toThrow('changed my mind');
      expect(db.inTransaction).toBe(false);
      expect(db.prepare("SELECT COUNT(*) FROM meta WHERE key = 'b'").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  test('takes the write lock up front: with another writer holding it, fn never runs', () => {
    const file = join(tmp, `db-${++n}`, 'sortie.db');
    const holder = openDb(file);
    const db = openDb(file, { busyTimeoutMs: 0 });
    try {
      holder.exec('BEGIN IMMEDIATE');
      let ran = 0;
      let e: unknown;
      try {
        write(db, () => ran++, { budgetMs: 0 });
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(SortieError);
      expect((e as SortieError).code).toBe('DB_BUSY');
      expect(ran).toBe(0);
      holder.exec('COMMIT');
      expect(write(db, () => ++ran, { budgetMs: 0 })).toBe(1);
    } finally {
      holder.close();
      db.close();
    }
  });
});

describe('retryBusy', () => {
  const db = fresh();
  afterAll(() => db.close());

  test('retries SQLITE_BUSY at most 8 times, then says DB_BUSY with a hint', () => {
    let attempts = 0;
    let e: unknown;
    try {
      retryBusy(db, () => {
        attempts++;
        throw busy();
      });
    } catch (x) {
      e = x;
    }
    expect(attempts).toBe(8);
    expect((e as SortieError).code).toBe('DB_BUSY');
    expect((e as SortieError).hint).toContain('fuser');
  });

  test('a budget stops the retries early (checked between attempts)', () => {
    let attempts = 0;
    expect(() =>
      retryBusy(
        db,
        () => {
          attempts++;
          throw busy();
        },
        { budgetMs: 0 },
      ),
    ).toThrow(/stayed locked/);
    expect(attempts).toBe(1);
  });

  test('other errors are not retried', () => {
    let attempts = 0;
    expect(() =>
      retryBusy(db, () => {
        attempts++;
        throw new Error('no such table');
      }),
    ).toThrow('no such table');
    expect(attempts).toBe(1);
  });

  test('succeeds as soon as an attempt does', () => {
    let attempts = 0;
    expect(
      retryBusy(db, () => {
        if (++attempts < 3) throw busy();
        return 'ok';
      }),
    ).toBe('ok');
    expect(attempts).toBe(3);
  });
});

describe('a deadline bound to the connection', () => {
  test('shortens every wait on the lock to what is left, and ends the retries there', () => {
    const db = openDb(join(tmp, `db-${++n}`, 'sortie.db'), { busyTimeoutMs: 5000, deadline: Deadline.in(60_000) });
    try {
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      bindWaits(db, { attemptMs: 5000, deadline: Deadline.in(300) });
      expect(db.pragma('busy_timeout', { simple: true })).toBeLessThanOrEqual(300);
      // Past the deadline: one attempt that does not wait at all, then DB_BUSY.
      bindWaits(db, { attemptMs: 5000, deadline: Deadline.in(0) });
      let attempts = 0;
      expect(() =>
        retryBusy(db, () => {
          attempts++;
          throw busy();
        }),
      ).toThrow(/stayed locked/);
      expect(attempts).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(0);
    } finally {
      db.close();
    }
  });

  test('within() narrows it for a step, and puts it back after', () => {
    const db = openDb(join(tmp, `db-${++n}`, 'sortie.db'), { busyTimeoutMs: 2000, deadline: Deadline.in(60_000) });
    try {
      const inside = within(db, Deadline.in(100), () => db.pragma('busy_timeout', { simple: true }) as number);
      expect(inside).toBeLessThanOrEqual(100);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(2000);
      // A narrower step cannot widen the bound deadline.
      bindWaits(db, { attemptMs: 2000, deadline: Deadline.in(50) });
      expect(within(db, Deadline.in(60_000), () => db.pragma('busy_timeout', { simple: true }) as number)).toBeLessThanOrEqual(50);
    } finally {
      db.close();
    }
  });
});

describe('read', () => {
  test('every query in fn sees one state of the database, whatever another connection commits meanwhile', () => {
    const file = join(tmp, `db-${++n}`, 'sortie.db');
    const db = openDb(file);
    const other = openDb(file);
    try {
      const count = () => db.prepare('SELECT COUNT(*) FROM meta').pluck().get() as number;
      const before = count();
      const [first, second] = read(db, () => {
        const a = count();
        other.prepare("INSERT INTO meta (key, value) VALUES ('r', '1')").run();
        return [a, count()];
      });
      expect([first, second]).toEqual([before, before]);
      expect(db.inTransaction).toBe(false);
      expect(count()).toBe(before + 1);
    } finally {
      other.close();
      db.close();
    }
  });
});
