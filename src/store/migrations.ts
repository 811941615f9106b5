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
];

export const LATEST_VERSION = migrations.reduce((m, x) => Math.max(m, x.version), 0);
