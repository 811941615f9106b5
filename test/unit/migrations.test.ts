/**
 * Each real migration, N-1 -> N, with real rows: migrate a database to N-1, fill it as sortie
 * does (missions live and ended, claims, tasks, commits, activity, meta), migrate to N, and check
 * that every row is still there as it was and that what N adds is there and used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { migrate, openDb, schemaVersion } from '../../dist/store/open.js';
import { migrations } from '../../dist/store/migrations.js';

type Db = ReturnType<typeof openDb>;

const tmp = mkdtempSync(join(tmpdir(), 'sortie-migrations-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;

const TABLES = ['activity', 'claims', 'commits', 'meta', 'missions', 'task_errors', 'tasks'];

/** Rows as sortie writes them, in SQL that every schema version since 1 accepts. */
function fill(db: Db): void {
  db.exec(`
    INSERT INTO missions (id, codename, kind, agent, session_id, person, cwd, worktree, branch, pid, started_at, last_seen_at, ended_at, end_reason, handoff, summary) VALUES
      (1, 'amber-albatross', 'person', 'human', NULL, 'person@example.com', '/r', '/r', 'main', NULL, '2026-01-01T09:00:00.000Z', '2026-01-01T09:00:00.000Z', NULL, NULL, NULL, NULL),
      (2, 'ashen-badger', 'agent', 'claude-code', 's-2', NULL, '/r', '/r', 'feat', 4242, '2026-01-01T10:00:00.000Z', '2026-01-01T11:00:00.000Z', '2026-01-01T11:00:00.000Z', 'other', 'parser done; tests left', NULL),
      (3, 'bold-beacon', 'agent', 'claude-code', 's-3', NULL, '/r', '/r', 'feat', 4343, '2026-01-01T12:00:00.000Z', '2026-01-01T12:30:00.000Z', NULL, NULL, NULL, NULL),
      (4, 'brisk-bison', 'agent', 'gemini-cli', 's-4', NULL, '/r', '/r', 'main', NULL, '2026-01-01T13:00:00.000Z', '2026-01-01T13:05:00.000Z', '2026-01-01T13:05:00.000Z', 'abandoned', NULL, 'abandoned (no sign of life)');
    INSERT INTO tasks (id, title, status, priority, prio_rank, role, labels, depends_on, created, path, size, mtime_ms, synced_at) VALUES
      ('TASK-1', 'Parser', 'UNDERWAY', 'high', 1, NULL, '["core"]', '[]', '2026-01-01T08:00:00.000Z', '/r/.sortie/tasks/TASK-1.md', 120, 1767250800000.5, '2026-01-01T08:00:00.000Z'),
      ('TASK-2', 'Docs', 'TODO', 'medium', 2, NULL, '[]', '["TASK-1"]', NULL, '/r/.sortie/tasks/TASK-2.md', 80, 1767250800001, '2026-01-01T08:00:00.000Z');
    INSERT INTO task_errors (path, size, mtime_ms, message, line) VALUES ('/r/.sortie/tasks/TASK-9.md', 10, 1.5, 'invalid YAML front matter', 3);
    INSERT INTO claims (id, task_id, mission_id, claimed_at, released_at, release_reason) VALUES
      (1, 'TASK-1', 2, '2026-01-01T10:05:00.000Z', '2026-01-01T11:00:00.000Z', 'mission-ended'),
      (2, 'TASK-1', 3, '2026-01-01T12:01:00.000Z', NULL, NULL);
    INSERT INTO commits (sha, mission_id, at, branch, subject, tasks) VALUES
      ('${'a'.repeat(40)}', 2, '2026-01-01T10:30:00.000Z', 'feat', 'TASK-1: parse', '["TASK-1"]'),
      ('${'b'.repeat(40)}', NULL, '2026-01-01T14:00:00.000Z', 'main', 'plain', '[]');
    INSERT INTO activity (id, at, kind, mission_id, agent, task_id, detail) VALUES
      (1, '2026-01-01T10:00:00.000Z', 'mission.started', 2, 'claude-code', NULL, '{"session":"s-2"}'),
      (2, '2026-01-01T10:05:00.000Z', 'task.claimed', 2, 'claude-code', 'TASK-1', '{"from":"TODO"}'),
      (3, '2026-01-01T10:50:00.000Z', 'task.handoff', 2, 'claude-code', 'TASK-1', '{"note":"lexer next"}'),
      (4, '2026-01-01T11:00:00.000Z', 'mission.ended', 2, 'claude-code', NULL, '{"reason":"other"}');
    INSERT INTO meta (key, value) VALUES ('sync:/r/.sortie/tasks', '1767250800002:[A-Z][A-Z0-9]+-[0-9]+');
  `);
}

const columns = (db: Db, table: string) => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);

/** Every row of every table, in the columns each table has now (or had before a migration: `cols`). */
function snapshot(db: Db, cols?: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    TABLES.map((t) => [t, (db.prepare(`SELECT ${(cols?.[t] ?? ['*']).join(', ')} FROM ${t}`).all() as unknown[]).map((r) => JSON.stringify(r)).sort()]),
  );
}

const plan = (db: Db, sql: string, ...args: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
const planOrError = (db: Db, sql: string, ...args: unknown[]) => {
  try {
    return plan(db, sql, ...args);
  } catch (e) {
    return (e as Error).message;
  }
};
const indexes = (db: Db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];

/** What each migration adds, and the query it was made for (with the index SQLite must then use). */
const CASES: {
  version: number;
  /** Tables, indexes and columns (NULL in the rows that were there) the migration adds. */
  adds: { tables?: string[]; indexes: string[]; columns?: Record<string, string[]> };
  uses?: [sql: string, args: unknown[], index: string][];
  /** What the new schema must then accept or refuse. */
  then?: (db: Db) => void;
}[] = [
  {
    version: 1,
    adds: {
      tables: TABLES,
      indexes: ['activity_at', 'activity_mission', 'activity_task', 'claims_live_mission', 'claims_live_task', 'claims_task', 'commits_at', 'commits_mission', 'missions_live', 'missions_person_live', 'missions_session', 'tasks_path', 'tasks_status'],
    },
  },
  {
    version: 2,
    adds: { indexes: ['missions_branch_ended', 'missions_ended', 'missions_agent'] },
    uses: [
      ['SELECT * FROM missions WHERE branch IS ? AND ended_at IS NOT NULL ORDER BY ended_at DESC LIMIT 1', ['feat'], 'missions_branch_ended'],
      ["SELECT started_at FROM missions WHERE agent = ? AND id < ? AND kind = 'agent' ORDER BY id DESC LIMIT 1", ['claude-code', 3], 'missions_agent'],
    ],
  },
  {
    version: 3,
    adds: { indexes: ['activity_handoff'] },
    uses: [["SELECT detail FROM activity WHERE task_id = ? AND kind = 'task.handoff' ORDER BY at DESC LIMIT 1", ['TASK-1'], 'activity_handoff']],
  },
  {
    version: 4,
    adds: { tables: ['imports'], indexes: ['missions_imported'], columns: { missions: ['source', 'persona', 'role'] } },
    uses: [
      [
        'SELECT codename FROM missions WHERE source IS NOT NULL AND ended_at IS NOT NULL AND id != ? AND (handoff IS NOT NULL OR summary IS NOT NULL) ORDER BY ended_at DESC LIMIT 1',
        [3],
        'missions_imported',
      ],
    ],
    then: (db) => {
      // An imported mission keeps where it came from, and the ledger holds one row per record.
      db.prepare(
        "INSERT INTO missions (id, codename, kind, agent, started_at, last_seen_at, ended_at, end_reason, handoff, source, persona, role) VALUES (5, 'hemera', 'agent', 'opencode', '2025-12-01T09:00:00.000Z', '2025-12-01T10:00:00.000Z', '2025-12-01T10:00:00.000Z', 'abandoned', 'next: parser', 'site-nine:mission/38', 'hemera', 'Operator')",
      ).run();
      const put = db.prepare('INSERT INTO imports (source, source_id, kind, target, imported_at) VALUES (?, ?, ?, ?, ?)');
      put.run('site-nine', 'mission/38', 'mission', '5', '2026-02-01T00:00:00.000Z');
      put.run('site-nine', 'OPR-H-0032', 'task', 'OPR-H-0032', '2026-02-01T00:00:00.000Z');
      expect(() => put.run('site-nine', 'mission/38', 'mission', '6', '2026-02-02T00:00:00.000Z')).toThrow(/UNIQUE constraint failed/);
      expect(db.prepare('SELECT source, persona, role FROM missions WHERE id = 5').get()).toEqual({ source: 'site-nine:mission/38', persona: 'hemera', role: 'Operator' });
    },
  },
  {
    version: 5,
    adds: {
      tables: ['task_sources', 'task_files', 'task_blobs', 'task_state', 'task_ids'],
      indexes: ['task_files_id', 'task_files_blob'],
      columns: { tasks: ['origin', 'origin_source', 'since'], task_errors: ['source'] },
    },
    uses: [
      ['SELECT status FROM task_files WHERE id = ? AND source = ?', ['TASK-1', '/r/.sortie/tasks'], 'task_files_id'],
      ['SELECT id FROM task_files WHERE blob = ?', ['a'.repeat(40)], 'task_files_blob'],
    ],
    then: (db) => {
      // The old index becomes the observations of its folder, sizes and mtimes kept (so nothing is
      // re-read), with the folder as a worktree source that was never synced as one (its ids are
      // recomputed at the first sync).
      expect(db.prepare('SELECT source, path, id, title, status, priority, labels, depends_on, size, mtime_ms, blob, status_since FROM task_files ORDER BY id').all()).toEqual([
        { source: '/r/.sortie/tasks', path: '/r/.sortie/tasks/TASK-1.md', id: 'TASK-1', title: 'Parser', status: 'UNDERWAY', priority: 'high', labels: '["core"]', depends_on: '[]', size: 120, mtime_ms: 1767250800000.5, blob: null, status_since: '2026-01-01T08:00:00.000Z' },
        { source: '/r/.sortie/tasks', path: '/r/.sortie/tasks/TASK-2.md', id: 'TASK-2', title: 'Docs', status: 'TODO', priority: 'medium', labels: '[]', depends_on: '["TASK-1"]', size: 80, mtime_ms: 1767250800001, blob: null, status_since: '2026-01-01T08:00:00.000Z' },
      ]);
      expect(db.prepare('SELECT source, kind, stamp, synced_at FROM task_sources').all()).toEqual([{ source: '/r/.sortie/tasks', kind: 'worktree', stamp: null, synced_at: null }]);
      // Every id seen is remembered, so `task new` never hands it out again.
      expect(db.prepare('SELECT id FROM task_ids ORDER BY id').pluck().all()).toEqual(['TASK-1', 'TASK-2']);
      // What sortie recorded before task_state existed: the latest claim (mission 3's live one, at
      // 12:01, after mission 2's claim in the activity log) is TASK-1's recorded state.
      expect(db.prepare('SELECT id, status, at, mission_id, branch, event, reopened_at FROM task_state').all()).toEqual([
        { id: 'TASK-1', status: 'UNDERWAY', at: '2026-01-01T12:01:00.000Z', mission_id: 3, branch: 'feat', event: 'claimed', reopened_at: null },
      ]);
      // A branch's tombstone (status NULL) is a row like any other; one row per (source, path).
      db.prepare("INSERT INTO task_files (source, path, id, status) VALUES ('refs/heads/feat', 'TASK-2.md', 'TASK-2', NULL)").run();
      expect(() => db.prepare("INSERT INTO task_files (source, path, id, status) VALUES ('refs/heads/feat', 'TASK-2.md', 'TASK-2', 'TODO')").run()).toThrow(/UNIQUE constraint failed/);
      expect(() => db.prepare("INSERT INTO task_sources (source, kind) VALUES ('x', 'tag')").run()).toThrow(/CHECK constraint failed/);
      // tasks rows are ids now; nothing looks them up by file.
      expect(indexes(db)).not.toContain('tasks_path');
    },
  },
  {
    version: 6,
    adds: { tables: ['remote_claims', 'remote_outbox'], indexes: [] },
    then: (db) => {
      // The cache holds one row per task (the remote's latest claim.json); the outbox one change per task.
      const put = db.prepare(
        "INSERT INTO remote_claims (task, remote, tip, state, status, codename, mission, agent, person, host, clone, since, expires, changed_at, event, fetched_at) VALUES (?, 'origin', ?, 'held', 'UNDERWAY', 'bold-beacon', 3, 'claude-code', 'ada@example.com', 'laptop', 'c0ffee', '2026-01-01T12:00:00.000Z', '2026-01-01T14:00:00.000Z', '2026-01-01T12:00:00.000Z', 'claim', '2026-01-01T12:00:01.000Z')",
      );
      put.run('TASK-1', 'a'.repeat(40));
      expect(() => put.run('TASK-1', 'b'.repeat(40))).toThrow(/UNIQUE constraint failed/);
      db.prepare("INSERT INTO remote_outbox (task, doc, expected, queued_at, mission) VALUES ('TASK-2', '{}', NULL, '2026-01-01T12:00:00.000Z', 3)").run();
      expect(db.prepare('SELECT task, tip, state, clone FROM remote_claims').all()).toEqual([{ task: 'TASK-1', tip: 'a'.repeat(40), state: 'held', clone: 'c0ffee' }]);
      expect(db.prepare('SELECT task, expected FROM remote_outbox').all()).toEqual([{ task: 'TASK-2', expected: null }]);
    },
  },
];

describe('each migration, N-1 -> N, with real rows', () => {
  test('every migration has a case here', () => {
    expect(CASES.map((c) => c.version)).toEqual(migrations.map((m) => m.version));
  });

  test.each(CASES)('migration $version', ({ version, adds, uses, then }) => {
    const file = join(tmp, `db-${++n}`, 'sortie.db');
    const db = openDb(file, { targetVersion: version - 1 });
    try {
      expect(schemaVersion(db)).toBe(version - 1);
      // Version 0 has no tables to hold rows yet.
      if (version > 1) fill(db);
      const before = version > 1 ? snapshot(db) : undefined;
      const columnsBefore = Object.fromEntries(TABLES.map((t) => [t, columns(db, t)]));
      const indexesBefore = indexes(db);
      // (A query may not even compile before: the columns it reads come with the migration.)
      for (const [sql, args, index] of uses ?? []) expect(planOrError(db, sql, ...args)).not.toContain(index);

      migrate(db, file, version);

      expect(schemaVersion(db)).toBe(version);
      // Every row is still there as it was; what the migration adds is NULL in them.
      if (before) expect(snapshot(db, columnsBefore)).toEqual(before);
      if (before) for (const t of TABLES) expect(columns(db, t)).toEqual([...columnsBefore[t]!, ...(adds.columns?.[t] ?? [])]);
      for (const [t, added] of Object.entries(adds.columns ?? {})) {
        expect(db.prepare(`SELECT count(*) FROM ${t} WHERE ${added.map((c) => `${c} IS NOT NULL`).join(' OR ')}`).pluck().get()).toBe(0);
      }
      for (const t of adds.tables ?? []) expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(t)).toBe(t);
      expect(indexes(db).filter((i) => !indexesBefore.includes(i)).sort()).toEqual([...adds.indexes].sort());
      for (const [sql, args, index] of uses ?? []) expect(plan(db, sql, ...args)).toContain(`USING INDEX ${index}`);
      if (version === 1) {
        // The new schema takes the rows sortie writes.
        fill(db);
        expect(Object.values(snapshot(db)).every((rows) => rows.length > 0)).toBe(true);
      }
      then?.(db);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});
