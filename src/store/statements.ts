import type { Database, Statement } from 'better-sqlite3';

const cache = new WeakMap<Database, Map<string, Statement<unknown[]>>>();

/**
 * A statement prepared once per connection: code that runs once per task file (a first index of
 * 10,000 files) would otherwise compile the same SQL 10,000 times.
 */
export function prepared(db: Database, sql: string): Statement<unknown[]> {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare<unknown[]>(sql)));
  return st;
}
