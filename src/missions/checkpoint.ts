import { record } from '../activity.js';
import type { Database } from '../store/open.js';
import { enqueue } from '../store/queue.js';
import { write } from '../store/write.js';
import { missionBySession, type MissionRow } from './missions.js';

/** What PreCompact remembers, so the context after compaction can say it. */
export interface Checkpoint {
  at: string;
  /** What made the agent compact (`manual`, `auto`), when it said. */
  trigger: string | null;
  claims: string[];
  commits: { sha: string; subject: string }[];
  changedFiles: string[];
}

/**
 * Stores a checkpoint of a mission: the tasks it holds and its last commits, read here, and the
 * uncommitted files the caller found (`git status`); a sign of life too.
 */
export function takeCheckpoint(db: Database, m: MissionRow, o: { at: string; trigger: string | null; changedFiles: string[] }): Checkpoint {
  const claims = (db.prepare('SELECT task_id FROM claims WHERE mission_id = ? AND released_at IS NULL').all(m.id) as { task_id: string }[]).map((c) => c.task_id);
  const commits = db.prepare('SELECT sha, subject FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT 10').all(m.id) as { sha: string; subject: string }[];
  const checkpoint: Checkpoint = { at: o.at, trigger: o.trigger, claims, commits, changedFiles: o.changedFiles };
  write(db, () => {
    db.prepare('UPDATE missions SET checkpoint = ?, last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(JSON.stringify(checkpoint), o.at, m.id);
    record(db, { kind: 'mission.checkpoint', at: o.at, missionId: m.id, agent: m.agent, detail: { claims, commits: commits.length, changed: o.changedFiles.length } });
  });
  return checkpoint;
}

/** What PreCompact queues when it cannot write in time (store/queue.ts, kind `checkpoint`). */
export interface QueuedCheckpoint {
  session: string;
  at: string;
  trigger: string | null;
  changedFiles: string[];
}

export function queueCheckpoint(dbFile: string, c: QueuedCheckpoint, unique: string): void {
  enqueue(dbFile, 'checkpoint', unique, JSON.stringify(c));
}

/** Takes a queued checkpoint, unless the mission has one as recent already. */
export function applyQueuedCheckpoint(db: Database, line: string): void {
  let c: QueuedCheckpoint;
  try {
    c = JSON.parse(line) as QueuedCheckpoint;
  } catch {
    return;
  }
  if (typeof c?.session !== 'string' || typeof c.at !== 'string') return;
  const m = missionBySession(db, c.session);
  if (!m) return;
  let current: string | undefined;
  try {
    current = m.checkpoint ? (JSON.parse(m.checkpoint) as { at?: string }).at : undefined;
  } catch {
    current = undefined; // a damaged checkpoint is replaced
  }
  if (current && current >= c.at) return;
  takeCheckpoint(db, m, { at: c.at, trigger: c.trigger ?? null, changedFiles: Array.isArray(c.changedFiles) ? c.changedFiles.map(String).slice(0, 50) : [] });
}
