/**
 * Builds overstory's session store inside a test repository from its module README: a WAL-mode
 * `.overstory/sessions.db` (tables `sessions` keyed by agent_name, and `runs`) kept open by a
 * writer the way a running overstory keeps it, and the legacy `.overstory/sessions.json`. Known
 * defects: agents left working/stalled whose process is gone, a zombie, an agent name reused (the
 * older session survives only in sessions.json), an unknown state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { TempRepo } from '../repo.js';
import { sqlite } from './common.js';

export const OVERSTORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, agent_name TEXT NOT NULL UNIQUE, capability TEXT NOT NULL, worktree_path TEXT NOT NULL,
  branch_name TEXT NOT NULL, bead_id TEXT NOT NULL, tmux_session TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'booting',
  pid INTEGER, parent_agent TEXT, depth INTEGER NOT NULL DEFAULT 0, run_id TEXT, started_at TEXT NOT NULL,
  last_activity TEXT NOT NULL, escalation_level INTEGER NOT NULL DEFAULT 0, stalled_since TEXT);
CREATE INDEX IF NOT EXISTS idx_sessions_state ON sessions(state);
CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, started_at TEXT NOT NULL, completed_at TEXT, status TEXT NOT NULL DEFAULT 'active',
  agent_count INTEGER NOT NULL DEFAULT 0, description TEXT);
`;

export interface OverstoryFixture {
  db: string;
  json: string;
  /** The writer overstory would have open; close it before deleting the repo. */
  writer: Database.Database;
}

export interface OverstorySession {
  id: string;
  agentName: string;
  capability: string;
  state: string;
  beadId: string;
  pid: number | null;
  parentAgent: string | null;
  depth: number;
  runId: string | null;
  startedAt: string;
  lastActivity: string;
  escalationLevel?: number;
  stalledSince?: string | null;
}

export function buildOverstory(repo: TempRepo, o: { deadPid: number; livePid: number; liveSince: string; liveTask: string; pastTask: string }): OverstoryFixture {
  const dir = join(repo.dir, '.overstory');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'sessions.db');
  const db = sqlite(file, 'PRAGMA journal_mode = WAL;');
  db.exec(OVERSTORY_SCHEMA);
  const sessions: OverstorySession[] = [
    { id: 's-lead', agentName: 'lead-1', capability: 'lead', state: 'completed', beadId: o.pastTask, pid: null, parentAgent: null, depth: 0, runId: 'run-1', startedAt: '2026-03-01T10:00:00.000Z', lastActivity: '2026-03-01T12:00:00.000Z' },
    { id: 's-b1', agentName: 'builder-1', capability: 'builder', state: 'working', beadId: 'bd-a1f2', pid: o.deadPid, parentAgent: 'lead-1', depth: 1, runId: 'run-1', startedAt: '2026-03-01T10:05:00.000Z', lastActivity: '2026-03-01T10:40:00.000Z' },
    { id: 's-sc', agentName: 'scout-1', capability: 'scout', state: 'zombie', beadId: 'bd-c3d4', pid: null, parentAgent: 'lead-1', depth: 1, runId: 'run-1', startedAt: '2026-03-01T10:06:00.000Z', lastActivity: '2026-03-01T10:20:00.000Z' },
    { id: 's-rv', agentName: 'reviewer-1', capability: 'reviewer', state: 'stalled', beadId: 'bd-e5f6', pid: null, parentAgent: 'lead-1', depth: 1, runId: 'run-1', startedAt: '2026-03-01T10:30:00.000Z', lastActivity: '2026-03-01T11:00:00.000Z', escalationLevel: 2, stalledSince: '2026-03-01T11:05:00.000Z' },
    { id: 's-b2', agentName: 'builder-2', capability: 'builder', state: 'working', beadId: o.liveTask, pid: o.livePid, parentAgent: null, depth: 0, runId: 'run-2', startedAt: o.liveSince, lastActivity: o.liveSince },
    { id: 's-x', agentName: 'mystery-1', capability: 'builder', state: 'sleeping', beadId: 'bd-9999', pid: null, parentAgent: null, depth: 0, runId: null, startedAt: '2026-03-01T09:00:00.000Z', lastActivity: '2026-03-01T09:00:00.000Z' },
  ];
  const put = db.prepare(
    `INSERT INTO sessions (id, agent_name, capability, worktree_path, branch_name, bead_id, tmux_session, state, pid, parent_agent, depth, run_id, started_at, last_activity, escalation_level, stalled_since)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const s of sessions) {
    put.run(s.id, s.agentName, s.capability, join(dir, 'worktrees', s.agentName), `overstory/${s.agentName}/${s.beadId}`, s.beadId, `overstory-${s.agentName}`, s.state, s.pid, s.parentAgent, s.depth, s.runId, s.startedAt, s.lastActivity, s.escalationLevel ?? 0, s.stalledSince ?? null);
  }
  db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)').run('run-1', '2026-03-01T10:00:00.000Z', '2026-03-01T12:00:00.000Z', 'completed', 4, 'Sprint: auth');
  db.prepare('INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?)').run('run-2', o.liveSince, null, 'active', 1, 'Hotfix');

  // The legacy flat file: the same lead-1 (older), and an earlier builder-1 session whose row the
  // database lost when the agent name was reused.
  const camel = (s: OverstorySession) => ({ ...s, worktreePath: join(dir, 'worktrees', s.agentName), branchName: `overstory/${s.agentName}/${s.beadId}`, tmuxSession: `overstory-${s.agentName}` });
  const json = join(dir, 'sessions.json');
  writeFileSync(
    json,
    `${JSON.stringify(
      [
        camel({ ...sessions[0]!, state: 'working', lastActivity: '2026-03-01T10:30:00.000Z' }),
        camel({ id: 's-b1-old', agentName: 'builder-1', capability: 'builder', state: 'completed', beadId: 'bd-0a0b', pid: null, parentAgent: null, depth: 0, runId: null, startedAt: '2026-02-27T09:00:00.000Z', lastActivity: '2026-02-27T11:30:00.000Z' }),
      ],
      null,
      2,
    )}\n`,
  );
  return { db: file, json, writer: db };
}
