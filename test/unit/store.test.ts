import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb, migrate, schemaVersion } from '../../dist/store/open.js';
import { LATEST_VERSION, migrations, type Migration } from '../../dist/store/migrations.js';
import { syncTasks } from '../../dist/tasks/sync.js';
import { resolveConfig } from '../../dist/config/load.js';
import { SortieError } from '../../dist/errors.js';
import { makeRepo, taskFile } from '../helpers/repo.js';

const tmp = mkdtempSync(join(tmpdir(), 'sortie-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, `db-${++n}`, 'sortie.db');

function thrown(fn: () => unknown): SortieError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SortieError);
    return e as SortieError;
  }
  throw new Error('expected an error');
}

describe('opening and migrating', () => {
  it('creates a WAL database at the latest schema with foreign keys on', () => {
    const db = openDb(fresh());
    try {
      expect(schemaVersion(db)).toBe(LATEST_VERSION);
      expect(LATEST_VERSION).toBe(migrations.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]);
      expect(tables).toEqual(['activity', 'claims', 'commits', 'imports', 'meta', 'missions', 'remote_claims', 'remote_outbox', 'task_blobs', 'task_errors', 'task_files', 'task_ids', 'task_sources', 'task_state', 'tasks']);
    } finally {
      db.close();
    }
  });

  it('the schema itself allows at most one live claim per task', () => {
    const db = openDb(fresh());
    try {
      db.prepare("INSERT INTO missions (id, codename, kind, agent, started_at, last_seen_at) VALUES (1, 'a', 'agent', 'x', 't', 't'), (2, 'b', 'agent', 'x', 't', 't')").run();
      db.prepare("INSERT INTO claims (task_id, mission_id, claimed_at) VALUES ('AUTH-1', 1, 't')").run();
      expect(() => db.prepare("INSERT INTO claims (task_id, mission_id, claimed_at) VALUES ('AUTH-1', 2, 't')").run()).toThrow(/UNIQUE constraint failed/);
      db.prepare("UPDATE claims SET released_at = 't2' WHERE task_id = 'AUTH-1'").run();
      db.prepare("INSERT INTO claims (task_id, mission_id, claimed_at) VALUES ('AUTH-1', 2, 't3')").run();
      expect(() => db.prepare("INSERT INTO claims (task_id, mission_id, claimed_at) VALUES ('AUTH-2', 99, 't')").run()).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('migrates N-1 -> N keeping rows (custom migration list)', () => {
    const list: Migration[] = [
      { version: 1, name: 'notes', up: (db) => db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)') },
      { version: 2, name: 'notes.author', up: (db) => db.exec("ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT 'unknown'") },
      { version: 3, name: 'authors index', up: (db) => db.exec('CREATE INDEX notes_author ON notes (author)') },
    ];
    const file = fresh();
    const db = openDb(file, { targetVersion: 1, migrationList: list });
    try {
      expect(schemaVersion(db)).toBe(1);
      db.prepare('INSERT INTO notes (text) VALUES (?), (?)').run('first', 'second');
      migrate(db, file, 2, list);
      expect(schemaVersion(db)).toBe(2);
      expect(db.prepare('SELECT id, text, author FROM notes ORDER BY id').all()).toEqual([
        { id: 1, text: 'first', author: 'unknown' },
        { id: 2, text: 'second', author: 'unknown' },
      ]);
      db.prepare('INSERT INTO notes (text, author) VALUES (?, ?)').run('third', 'ann');
      migrate(db, file, 3, list);
      expect(schemaVersion(db)).toBe(3);
      expect(db.prepare('SELECT COUNT(*) FROM notes').pluck().get()).toBe(3);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'notes_author'").pluck().get()).toBe('notes_author');
      // Running again is a no-op.
      migrate(db, file, 3, list);
      expect(schemaVersion(db)).toBe(3);
    } finally {
      db.close();
    }
  });

  it('a failing migration leaves the previous version and no half-applied schema', () => {
    const list: Migration[] = [
      { version: 1, name: 'a', up: (db) => db.exec('CREATE TABLE a (x)') },
      {
        version: 2,
        name: 'b breaks',
        up: (db) => {
          db.exec('CREATE TABLE b (x)');
          throw new Error('boom');
        },
      },
    ];
    const file = fresh();
    expect(() => openDb(file, { migrationList: list, targetVersion: 2 })).toThrow('boom');
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'b'").get()).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('the real migration 1 from an empty file, applied through the same path', () => {
    const file = fresh();
    const db = openDb(file, { targetVersion: 0 });
    try {
      expect(schemaVersion(db)).toBe(0);
      migrate(db, file, 1);
      expect(schemaVersion(db)).toBe(1);
      db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
      migrate(db, file);
      expect(db.prepare("SELECT value FROM meta WHERE key = 'k'").pluck().get()).toBe('v');
    } finally {
      db.close();
    }
  });
});

describe('a database from the future', () => {
  it.each([['rollback journal', 'delete'], ['WAL', 'wal']])('(%s) is refused with DB_FUTURE and left byte for byte unchanged', (_name, mode) => {
    const file = fresh();
    openDb(file).close();
    const raw = new Database(file);
    raw.pragma(`journal_mode = ${mode}`);
    raw.pragma(`user_version = ${LATEST_VERSION + 5}`);
    raw.close();
    const before = readFileSync(file);
    const dirBefore = readdirSync(join(file, '..')).sort();

    const e = thrown(() => openDb(file));
    expect(e.code).toBe('DB_FUTURE');
    expect(e.exitCode).toBe(4);
    expect(e.data).toEqual({ version: LATEST_VERSION + 5, supported: LATEST_VERSION });
    expect(e.message).toContain(file);
    expect(Buffer.compare(readFileSync(file), before)).toBe(0);
    expect(readdirSync(join(file, '..')).sort()).toEqual(dirBefore);
  });

  it('through the CLI: exit 4, the error names the file, and the file is unchanged', () => {
    const repo = makeRepo({ name: 'future' });
    try {
      const file = join(repo.dir, '.git', 'sortie', 'sortie.db');
      openDb(file).close();
      const raw = new Database(file);
      raw.pragma('journal_mode = delete');
      raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
      raw.close();
      const before = readFileSync(file);
      const r = repo.sortie(['task', 'list']);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain(`the database ${file} has schema version ${LATEST_VERSION + 1}`);
      const j = repo.sortie(['status', '--json']);
      expect(j.code).toBe(4);
      expect(j.json().error.code).toBe('DB_FUTURE');
      expect(Buffer.compare(readFileSync(file), before)).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('a corrupt database', () => {
  it('random bytes give DB_CORRUPT with the path and a fix, exit 4, file untouched', () => {
    const repo = makeRepo({ name: 'corrupt' });
    try {
      const file = join(repo.dir, '.git', 'sortie', 'sortie.db');
      const garbage = randomBytes(16384);
      repo.write('.git/sortie/sortie.db', '');
      writeFileSync(file, garbage);
      const e = thrown(() => openDb(file));
      expect(e.code).toBe('DB_CORRUPT');
      const r = repo.sortie(['task', 'list', '--json']);
      expect(r.code).toBe(4);
      expect(r.json().error).toMatchObject({
        code: 'DB_CORRUPT',
        message: `the sortie database ${file} is not a valid SQLite database (SQLITE_NOTADB)`,
      });
      expect(r.json().error.hint).toContain(`mv "${file}" "${file}.broken"`);
      const text = repo.sortie(['status']);
      expect(text.code).toBe(4);
      expect(text.stderr).not.toContain('internal error');
      expect(Buffer.compare(readFileSync(file), garbage)).toBe(0);
    } finally {
      repo.cleanup();
    }
  });

  it('a directory where the file should be is an environment error, not a crash', () => {
    const repo = makeRepo({ name: 'dbdir' });
    try {
      repo.write('.git/sortie/sortie.db/keep', '');
      const r = repo.sortie(['task', 'list']);
      expect(r.code).toBe(4);
      expect(r.stderr).not.toContain('internal error');
    } finally {
      repo.cleanup();
    }
  });
});

describe('incremental task sync', () => {
  const config = resolveConfig({}, 'test');
  const dir = join(tmp, 'tasks');
  const file = fresh();

  it('reads only what changed', () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    mkdirSync(dir, { recursive: true });
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `AUTH-${i}-t.md`), taskFile(`AUTH-${i}`, { title: `Task ${i}`, status: 'TODO' }));
    const db = openDb(file);
    try {
      const ids = () => db.prepare('SELECT id FROM tasks ORDER BY id').pluck().all();
      let r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ scanned: 5, read: 5, removed: 0, problems: [] });
      expect(ids()).toEqual(['AUTH-1', 'AUTH-2', 'AUTH-3', 'AUTH-4', 'AUTH-5']);

      r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ scanned: 5, read: 0, removed: 0 });

      // A quick sync with an unchanged folder looks at no file at all.
      r = syncTasks(db, dir, config, t0, { quick: true });
      expect(r).toMatchObject({ skipped: true, read: 0 });

      // Touch one file: only that one is read again.
      const later = new Date('2030-01-01T00:00:00Z');
      utimesSync(join(dir, 'AUTH-3-t.md'), later, later);
      r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ scanned: 5, read: 1, removed: 0 });

      // Edit one in place: the new status lands in the index.
      writeFileSync(join(dir, 'AUTH-2-t.md'), taskFile('AUTH-2', { title: 'Task 2 renamed', status: 'BLOCKED' }));
      r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ read: 1 });
      expect(db.prepare("SELECT title, status FROM tasks WHERE id = 'AUTH-2'").get()).toEqual({ title: 'Task 2 renamed', status: 'BLOCKED' });

      // Delete one: it leaves the index.
      unlinkSync(join(dir, 'AUTH-4-t.md'));
      r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ scanned: 4, read: 0, removed: 1 });
      expect(ids()).toEqual(['AUTH-1', 'AUTH-2', 'AUTH-3', 'AUTH-5']);

      // A broken file is remembered and not re-read until it changes.
      writeFileSync(join(dir, 'AUTH-6-t.md'), '---\nid: AUTH-6\n  title: x\n---\n');
      r = syncTasks(db, dir, config, t0);
      expect(r.read).toBe(1);
      expect(r.problems).toEqual([{ path: join(dir, 'AUTH-6-t.md'), line: 3, message: expect.stringContaining('invalid YAML front matter') }]);
      r = syncTasks(db, dir, config, t0);
      expect(r.read).toBe(0);
      expect(r.problems).toHaveLength(1);
      unlinkSync(join(dir, 'AUTH-6-t.md'));
      r = syncTasks(db, dir, config, t0);
      expect(r).toMatchObject({ removed: 1, problems: [] });

      // Two files claiming one id: the second is a problem, the first keeps the id.
      writeFileSync(join(dir, 'AUTH-1-copy.md'), taskFile('AUTH-1', { title: 'Copy' }));
      r = syncTasks(db, dir, config, t0);
      expect(r.problems.map((p) => p.path)).toEqual([join(dir, 'AUTH-1-copy.md')]);
      expect(db.prepare("SELECT path FROM tasks WHERE id = 'AUTH-1'").pluck().get()).toBe(join(dir, 'AUTH-1-t.md'));
    } finally {
      db.close();
    }
  });
});

describe('statements', () => {
  it('each SQL text is compiled once per connection, and a reused statement is the plain one again after pluck', () => {
    const db = openDb(fresh());
    try {
      db.exec('CREATE TABLE t (a INTEGER, b TEXT)');
      const insert = db.prepare('INSERT INTO t (a, b) VALUES (?, ?)');
      insert.run(1, 'one');
      expect(db.prepare('INSERT INTO t (a, b) VALUES (?, ?)')).toBe(insert);
      db.prepare('INSERT INTO t (a, b) VALUES (?, ?)').run(2, 'two');
      const sql = 'SELECT a, b FROM t WHERE a = ?';
      expect(db.prepare(sql).pluck().get(1)).toBe(1);
      // The same text again, asked for without pluck: whole rows, not the first column.
      expect(db.prepare(sql).get(2)).toEqual({ a: 2, b: 'two' });
      expect(db.prepare(sql)).toBe(db.prepare(sql));
      // Parameters are never kept between runs.
      expect(db.prepare(sql).get(3)).toBeUndefined();
      // A schema change under a kept statement: SQLite compiles it again by itself.
      db.exec('ALTER TABLE t ADD COLUMN c TEXT');
      expect(db.prepare('SELECT * FROM t WHERE a = ?').get(1)).toEqual({ a: 1, b: 'one', c: null });
      db.exec("UPDATE t SET c = 'x'");
      expect(db.prepare('SELECT * FROM t WHERE a = ?').get(1)).toEqual({ a: 1, b: 'one', c: 'x' });
    } finally {
      db.close();
    }
  });
});
