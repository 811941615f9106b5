/**
 * Builds a taskr database (sessions module: agent_sessions, agent_activity with claims and releases
 * as rows; tasks module: tasks) where taskr keeps it: one per user, `~/.taskr/`, here under a temp
 * HOME whose `~/.taskr/config.yaml` names the file. Known defects: a session never ended, claims
 * never released, times without a zone (both SQLite and Python formats), activity on another
 * repository, a deleted task, an unknown status, "None" as handoff notes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sqlite } from './common.js';

export const TASKR_SCHEMA = `
CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT DEFAULT (datetime('now')));
CREATE TABLE tasks (id TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))), title TEXT NOT NULL, description TEXT,
  status TEXT NOT NULL DEFAULT 'open', priority TEXT NOT NULL DEFAULT 'medium', assignee TEXT, tags TEXT DEFAULT '[]',
  created_by TEXT, created_at TEXT DEFAULT (datetime('now')), updated_at TEXT DEFAULT (datetime('now')), due_at TEXT,
  completed_at TEXT, deleted_at TEXT);
CREATE TABLE agent_sessions (id TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))), agent_id TEXT NOT NULL,
  started_at TEXT DEFAULT (datetime('now')), ended_at TEXT, summary TEXT, handoff_notes TEXT, context TEXT,
  created_at TEXT DEFAULT (datetime('now')), updated_at TEXT DEFAULT (datetime('now')));
CREATE TABLE agent_activity (id TEXT PRIMARY KEY DEFAULT (lower(hex(randomblob(16)))), agent_id TEXT NOT NULL,
  session_id TEXT REFERENCES agent_sessions(id), activity_type TEXT NOT NULL, target_type TEXT, target_id TEXT, repo TEXT,
  notes TEXT, created_at TEXT DEFAULT (datetime('now')));
INSERT INTO schema_migrations (version) VALUES ('001');
`;

export const T1 = '3f1c0a9e5b2d4c6e8a7b9c0d1e2f3a4b';
export const T2 = '7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d';

export function buildTaskr(home: string): string {
  const dir = join(home, '.taskr');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), 'database:\n  type: sqlite\n  sqlite:\n    path: ~/.taskr/work.db\nidentity:\n  agent_id: claude-code\n');
  const file = join(dir, 'work.db');
  const db = sqlite(file, TASKR_SCHEMA);
  try {
    const task = db.prepare('INSERT INTO tasks (id, title, description, status, priority, assignee, tags, created_by, created_at, updated_at, completed_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    task.run(T1, 'Fix OAuth token refresh', 'Tests fail on token refresh.', 'in_progress', 'high', 'claude-code', '["auth", "OAuth"]', 'ann', '2024-01-10 09:00:00', '2024-01-15 11:00:00', null, null);
    task.run(T2, 'Add refresh token support', null, 'open', 'medium', null, '[]', 'ann', '2024-01-10 09:05:00', '2024-01-10 09:05:00', null, null);
    task.run('c0ffee00c0ffee00c0ffee00c0ffee00', 'Migrate the users table', null, 'done', 'critical', null, 'not json', 'ann', '2024-01-08 09:00:00', '2024-01-12 16:00:00', '2024-01-12 16:00:00', null);
    task.run('dead0000dead0000dead0000dead0000', 'An old idea', null, 'open', 'low', null, '[]', 'ann', '2024-01-01 09:00:00', '2024-01-02 09:00:00', null, '2024-01-02 09:00:00');
    task.run('beef0000beef0000beef0000beef0000', 'Review the API', null, 'review', 'low', null, '[]', 'ann', '2024-01-01 09:00:00', '2024-01-02 09:00:00', null, null);

    const session = db.prepare('INSERT INTO agent_sessions (id, agent_id, started_at, ended_at, summary, handoff_notes, context, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    session.run('s-codex', 'codex', '2024-01-14 08:00:00', '2024-01-14 09:00:00', 'Fixed typo in README', 'None', null, '2024-01-14 08:00:00', '2024-01-14 09:00:00');
    session.run('s-one', 'claude-code', '2024-01-15T09:00:00.123456', '2024-01-15T12:00:00.654321', 'Completed database migration, started OAuth work', 'Priority: finish OAuth integration. Blocked on #42.', 'Working on authentication refactor', '2024-01-15 09:00:00', '2024-01-15 12:00:00');
    session.run('s-open', 'claude-code', '2024-01-16T09:00:00.000000', null, null, null, null, '2024-01-16 09:00:00', '2024-01-16 10:30:00');
    session.run('s-other', 'claude-code', '2024-01-16 13:00:00', '2024-01-16 14:00:00', 'Other project', 'Other notes', null, '2024-01-16 13:00:00', '2024-01-16 14:00:00');

    const act = db.prepare('INSERT INTO agent_activity (id, agent_id, session_id, activity_type, target_type, target_id, repo, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    act.run('a1', 'claude-code', 's-one', 'claim_work', 'issue', 'acme/weather#15', 'acme/weather', null, '2024-01-15 09:05:00');
    act.run('a2', 'claude-code', 's-one', 'release_work', 'issue', 'acme/weather#15', 'acme/weather', '[completed] Fixed in PR #16', '2024-01-15 11:50:00');
    act.run('a3', 'claude-code', 's-one', 'claim_work', 'task', T1, 'acme/weather', null, '2024-01-15 11:00:00');
    act.run('a4', 'claude-code', 's-open', 'claim_work', 'pr', 'acme/weather#42', 'acme/weather', null, '2024-01-16 09:10:00');
    act.run('a5', 'claude-code', 's-other', 'claim_work', 'issue', 'acme/other#3', 'acme/other', null, '2024-01-16 13:05:00');
    act.run('a6', 'codex', null, 'claim_work', 'qa', 'acme/weather#7', 'acme/weather', null, '2024-01-14 08:30:00');
    act.run('a7', 'codex', null, 'release_work', 'qa', 'acme/weather#7', 'acme/weather', '[blocked] waiting for API keys', '2024-01-14 08:50:00');
    act.run('a8', 'claude-code', 's-one', 'devlog', null, null, 'acme/weather', 'wrote a devlog', '2024-01-15 11:55:00');
  } finally {
    db.close();
  }
  return file;
}
