import type { Database } from 'better-sqlite3';

/**
 * The schema is code: one numbered entry per migration, applied in order, each inside the same
 * `BEGIN IMMEDIATE` transaction that sets `PRAGMA user_version`. Never edit a released migration;
 * add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  up: (db: Database) => void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    up: (db) => {
      db.exec(`
        CREATE TABLE missions (
          id              INTEGER PRIMARY KEY,
          codename        TEXT NOT NULL,
          kind            TEXT NOT NULL CHECK (kind IN ('agent', 'person')),
          agent           TEXT NOT NULL,
          session_id      TEXT,
          person          TEXT,
          transcript_path TEXT,
          cwd             TEXT,
          worktree        TEXT,
          branch          TEXT,
          pid             INTEGER,
          pid_start       TEXT,
          parent_id       INTEGER REFERENCES missions(id),
          started_at      TEXT NOT NULL,
          last_seen_at    TEXT NOT NULL,
          ended_at        TEXT,
          end_reason      TEXT,
          handoff         TEXT,
          summary         TEXT,
          checkpoint      TEXT,
          journal_path    TEXT
        );
        CREATE INDEX missions_session ON missions (session_id);
        CREATE INDEX missions_live ON missions (ended_at) WHERE ended_at IS NULL;
        CREATE UNIQUE INDEX missions_person_live ON missions (person) WHERE kind = 'person' AND ended_at IS NULL;

        CREATE TABLE tasks (
          id          TEXT PRIMARY KEY,
          title       TEXT NOT NULL,
          status      TEXT NOT NULL,
          priority    TEXT NOT NULL,
          prio_rank   INTEGER NOT NULL,
          role        TEXT,
          labels      TEXT NOT NULL DEFAULT '[]',
          depends_on  TEXT NOT NULL DEFAULT '[]',
          created     TEXT,
          path        TEXT NOT NULL,
          size        INTEGER NOT NULL,
          mtime_ms    REAL NOT NULL,
          synced_at   TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX tasks_status ON tasks (status, prio_rank, id);
        CREATE INDEX tasks_path ON tasks (path);

        -- Files that failed to parse: remembered so they are re-read only when they change.
        CREATE TABLE task_errors (
          path      TEXT PRIMARY KEY,
          size      INTEGER NOT NULL,
          mtime_ms  REAL NOT NULL,
          message   TEXT NOT NULL,
          line      INTEGER
        ) WITHOUT ROWID;

        CREATE TABLE claims (
          id             INTEGER PRIMARY KEY,
          task_id        TEXT NOT NULL,
          mission_id     INTEGER NOT NULL REFERENCES missions(id),
          claimed_at     TEXT NOT NULL,
          released_at    TEXT,
          release_reason TEXT
        );
        -- The database itself guarantees at most one live claim per task.
        CREATE UNIQUE INDEX claims_live_task ON claims (task_id) WHERE released_at IS NULL;
        CREATE INDEX claims_live_mission ON claims (mission_id) WHERE released_at IS NULL;
        CREATE INDEX claims_task ON claims (task_id, claimed_at);

        CREATE TABLE commits (
          sha         TEXT PRIMARY KEY,
          mission_id  INTEGER REFERENCES missions(id),
          at          TEXT NOT NULL,
          branch      TEXT,
          subject     TEXT NOT NULL,
          tasks       TEXT NOT NULL DEFAULT '[]'
        ) WITHOUT ROWID;
        CREATE INDEX commits_mission ON commits (mission_id, at);
        CREATE INDEX commits_at ON commits (at);

        CREATE TABLE activity (
          id          INTEGER PRIMARY KEY,
          at          TEXT NOT NULL,
          kind        TEXT NOT NULL,
          mission_id  INTEGER,
          agent       TEXT,
          task_id     TEXT,
          detail      TEXT
        );
        CREATE INDEX activity_at ON activity (at);
        CREATE INDEX activity_task ON activity (task_id, at) WHERE task_id IS NOT NULL;
        CREATE INDEX activity_mission ON activity (mission_id, at);

        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    name: 'indexes for start-up context on long histories',
    up: (db) => {
      // Handoff lookup (last ended mission on a branch) and "since your agent's last mission".
      db.exec(`
        CREATE INDEX missions_branch_ended ON missions (branch, ended_at) WHERE ended_at IS NOT NULL;
        CREATE INDEX missions_ended ON missions (ended_at) WHERE ended_at IS NOT NULL;
        CREATE INDEX missions_agent ON missions (agent, id);
      `);
    },
  },
  {
    version: 3,
    name: 'index of handoff notes by task',
    up: (db) => {
      // The start-up context shows the last handoff note of each task in play. Without this, each
      // lookup walks every activity row of the task (cold pages on a long history: ~0.5 ms each).
      db.exec(`CREATE INDEX activity_handoff ON activity (task_id, at) WHERE kind = 'task.handoff';`);
    },
  },
  {
    version: 4,
    name: 'imports from other tools',
    up: (db) => {
      // `sortie import` remembers every record it brought in, so a second run adds nothing.
      // Imported missions keep where they came from and the persona and role their tool gave them;
      // the start-up context falls back to the last imported handoff (missions_imported).
      db.exec(`
        CREATE TABLE imports (
          source      TEXT NOT NULL,
          source_id   TEXT NOT NULL,
          kind        TEXT NOT NULL,
          target      TEXT NOT NULL,
          imported_at TEXT NOT NULL,
          PRIMARY KEY (source, source_id, kind)
        ) WITHOUT ROWID;
        ALTER TABLE missions ADD COLUMN source TEXT;
        ALTER TABLE missions ADD COLUMN persona TEXT;
        ALTER TABLE missions ADD COLUMN role TEXT;
        CREATE INDEX missions_imported ON missions (ended_at) WHERE source IS NOT NULL;
      `);
    },
  },
  {
    version: 5,
    name: 'one truth across checkouts: task observations per source, recorded states, every id seen',
    up: (db) => {
      // Files say what a task is; the shared view says who is on it and where it stands.
      // - task_sources: every place task files are read from: each worktree's task folder (plain
      //   filesystem), each branch not checked out (read through git), and 'base', the git tree
      //   the branches are stored as differences from.
      // - task_files: what each source's files say, keyed by (source, path). A branch keeps only
      //   its differences from the base (status NULL: the base has this file, the branch not).
      // - task_blobs: when each file content was first seen, so a status seen before keeps its age.
      // - task_state: the latest state sortie itself recorded for each id (claim, status, reopen).
      // - task_ids: every id ever seen or handed out: what `task new` allocates against.
      // - tasks becomes the effective view (one row per id, across sources), with where its state
      //   comes from (origin: a branch name; origin_source: the source).
      db.exec(`
        CREATE TABLE task_sources (
          source    TEXT PRIMARY KEY,
          kind      TEXT NOT NULL CHECK (kind IN ('worktree', 'branch', 'base')),
          label     TEXT,
          root      TEXT,
          stamp     TEXT,
          tree      TEXT,
          tip_at    TEXT,
          synced_at TEXT
        ) WITHOUT ROWID;
        CREATE TABLE task_files (
          source       TEXT NOT NULL,
          path         TEXT NOT NULL,
          id           TEXT NOT NULL,
          title        TEXT,
          status       TEXT,
          priority     TEXT,
          prio_rank    INTEGER,
          role         TEXT,
          labels       TEXT,
          depends_on   TEXT,
          created      TEXT,
          size         INTEGER,
          mtime_ms     REAL,
          blob         TEXT,
          status_since TEXT,
          PRIMARY KEY (source, path)
        ) WITHOUT ROWID;
        CREATE INDEX task_files_id ON task_files (id); -- with the key: (id, source, path)
        CREATE INDEX task_files_blob ON task_files (blob) WHERE blob IS NOT NULL;
        CREATE TABLE task_blobs (
          blob          TEXT PRIMARY KEY,
          first_seen_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE task_state (
          id          TEXT PRIMARY KEY,
          status      TEXT NOT NULL,
          at          TEXT NOT NULL,
          mission_id  INTEGER,
          branch      TEXT,
          worktree    TEXT,
          event       TEXT NOT NULL,
          reopened_at TEXT
        ) WITHOUT ROWID;
        CREATE TABLE task_ids (
          id            TEXT PRIMARY KEY,
          first_seen_at TEXT NOT NULL,
          title         TEXT,
          created       TEXT,
          source        TEXT
        ) WITHOUT ROWID;
        ALTER TABLE tasks ADD COLUMN origin TEXT;
        ALTER TABLE tasks ADD COLUMN origin_source TEXT;
        ALTER TABLE tasks ADD COLUMN since TEXT;
        ALTER TABLE task_errors ADD COLUMN source TEXT;
        -- tasks is no longer looked up by file: its rows are ids, their files are in task_files.
        DROP INDEX tasks_path;
      `);
      // The old index was one folder's files (or, with worktrees, several folders' files written
      // over each other by id): each row becomes an observation of its own folder. Sizes and mtimes
      // come along, so the next sync re-reads nothing that did not change; the folders' stamps do
      // not, so that sync compares every file once.
      const dirOf = (p: string) => p.slice(0, Math.max(p.lastIndexOf('/'), 0)) || '/';
      const rows = db.prepare('SELECT * FROM tasks').all() as Record<string, unknown>[];
      const putFile = db.prepare(`INSERT OR IGNORE INTO task_files (source, path, id, title, status, priority, prio_rank, role, labels, depends_on, created, size, mtime_ms, blob, status_since)
        VALUES (@source, @path, @id, @title, @status, @priority, @prio_rank, @role, @labels, @depends_on, @created, @size, @mtime_ms, NULL, @synced_at)`);
      const putSource = db.prepare("INSERT OR IGNORE INTO task_sources (source, kind) VALUES (?, 'worktree')");
      const putId = db.prepare('INSERT OR IGNORE INTO task_ids (id, first_seen_at, title, created, source) VALUES (?, ?, ?, ?, ?)');
      for (const r of rows) {
        const source = dirOf(String(r.path));
        putSource.run(source);
        putFile.run({ ...r, source });
        putId.run(r.id, r.synced_at, r.title, r.created, source);
      }
      for (const id of db.prepare('SELECT DISTINCT task_id FROM claims').pluck().all() as string[]) putId.run(id, '1970-01-01T00:00:00.000Z', null, null, null);
      // What sortie recorded before it kept task_state: the latest claim or status change of each
      // task, from the activity log and the claims.
      const latest = new Map<string, { status: string; at: string; mission: number | null; event: string }>();
      const consider = (id: string, status: string | null, at: string, mission: number | null, event: string) => {
        if (!status || !/^(TODO|UNDERWAY|BLOCKED|PAUSED|REVIEW|COMPLETE|ABORTED)$/.test(status)) return;
        const cur = latest.get(id);
        if (!cur || at >= cur.at) latest.set(id, { status, at, mission, event });
      };
      for (const a of db
        .prepare("SELECT task_id, kind, at, mission_id, json_extract(detail, '$.to') AS to_status FROM activity WHERE task_id IS NOT NULL AND kind IN ('task.claimed', 'task.status') AND json_valid(detail) ORDER BY id")
        .all() as { task_id: string; kind: string; at: string; mission_id: number | null; to_status: string | null }[]) {
        consider(a.task_id, a.kind === 'task.claimed' ? 'UNDERWAY' : a.to_status, a.at, a.mission_id, a.kind === 'task.claimed' ? 'claimed' : 'status');
      }
      for (const c of db.prepare('SELECT task_id, mission_id, claimed_at FROM claims').all() as { task_id: string; mission_id: number; claimed_at: string }[]) {
        consider(c.task_id, 'UNDERWAY', c.claimed_at, c.mission_id, 'claimed');
      }
      const putState = db.prepare('INSERT INTO task_state (id, status, at, mission_id, branch, worktree, event) VALUES (?, ?, ?, ?, (SELECT branch FROM missions WHERE id = ?), NULL, ?)');
      for (const [id, s] of latest) putState.run(id, s.status, s.at, s.mission, s.mission, s.event);
      // The effective view (tasks) is recomputed from all of this by the first sync of each source
      // (a source never synced counts every file of it as changed); that sync also drops the old
      // `sync:<folder>` stamp in meta.
    },
  },
  {
    version: 6,
    name: 'claims shared through the git remote: the cache of its sortie refs, and what is left to publish',
    up: (db) => {
      // - remote_claims: the remote's refs/sortie/claims/<ID> as this clone last saw them (one row
      //   per task, the claim.json of the ref's tip flattened), so the guard and SessionStart read
      //   the other clones' claims without the network. `clone` tells this clone's own claims apart.
      // - remote_outbox: a claim or status change made here while the remote could not be reached,
      //   published (by compare-and-swap against `expected`) at the next contact.
      db.exec(`
        CREATE TABLE remote_claims (
          task       TEXT PRIMARY KEY,
          remote     TEXT NOT NULL,
          tip        TEXT NOT NULL,
          state      TEXT NOT NULL,
          status     TEXT NOT NULL,
          codename   TEXT,
          mission    INTEGER,
          agent      TEXT,
          person     TEXT,
          host       TEXT,
          clone      TEXT,
          since      TEXT,
          expires    TEXT,
          changed_at TEXT NOT NULL,
          event      TEXT,
          note       TEXT,
          fetched_at TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE remote_outbox (
          task      TEXT PRIMARY KEY,
          doc       TEXT NOT NULL,
          expected  TEXT,
          queued_at TEXT NOT NULL,
          mission   INTEGER
        ) WITHOUT ROWID;
      `);
    },
  },
];

export const LATEST_VERSION = migrations.reduce((m, x) => Math.max(m, x.version), 0);
