import { closeUnlessExiting } from '../store/open.js';
import type { AgentEvent } from '../agents/types.js';
import { readJournalHandoff, writeJournal } from '../missions/journal.js';
import { endMissionTx, getMission, missionBySession, type MissionRow } from '../missions/missions.js';
import { dbPath, immediate, openDb, withBusyRetry, type Database } from '../store/open.js';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadConfig } from '../config/load.js';
import { findRepo } from '../git.js';
import { iso } from '../time.js';
import { mark } from '../trace.js';
import { drainPendingCommits, pendingFile } from '../guard/pending.js';

/**
 * SessionEnd: one short transaction (close, release claims, store the handoff), then the journal.
 * Claude Code gives all SessionEnd hooks 1.5 s together, so nothing here waits on anything slow:
 * no reaping, no task sync, no git.
 */
export async function sessionEnd(ev: AgentEvent, env: Record<string, string | undefined>, now: Date): Promise<{ mission: MissionRow; released: string[] } | undefined> {
  if (!ev.sessionId) return undefined;
  // No config is read: the journal's path was decided at SessionStart and is on the mission, and
  // the id pattern is needed only when commits wait to be recorded.
  const repo = findRepo(ev.cwd);
  if (!repo && !env.SORTIE_DB) return undefined;
  const dbFile = dbPath(repo, env, ev.cwd);
  if (!existsSync(dbFile)) return undefined;
  // Two waits of 400 ms at most: well inside the 1.5 s Claude Code gives all SessionEnd hooks.
  const db = openDb(dbFile, { busyTimeoutMs: 400 });
  mark('opened');
  try {
    const m = missionBySession(db, ev.sessionId);
    if (!m || m.ended_at) return undefined;
    // Its last commits may still be waiting to be recorded: they belong in its summary.
    if (repo && existsSync(pendingFile(dbFile))) {
      const { config } = await loadConfig(repo.root);
      drainPendingCommits(db, dbFile, repo, config, env, now);
    }
    const at = iso(now);
    const handoff = m.handoff ?? readJournalHandoff(m.journal_path) ?? undefined;
    const summary = handoff ? undefined : summarize(db, m);
    mark('handoff');
    const released = withBusyRetry(() => immediate(db, () => endMissionTx(db, m, { reason: ev.reason ?? 'other', at, handoff, summary })), 2);
    mark('ended');
    const ended = getMission(db, m.id)!;
    if (ended.journal_path) {
      try {
        // The agent's notes are in the database already (handoff above): safe to overwrite.
        writeJournal(db, dirname(ended.journal_path), ended, { inPlace: true });
      } catch {
        // the journal is a view; the database already has everything
      }
    }
    mark('journal');
    return { mission: ended, released };
  } finally {
    closeUnlessExiting(db);
  }
}

/** A handoff made from what the mission did, when the agent left no notes. */
export function summarize(db: Database, m: MissionRow): string {
  const commits = db.prepare('SELECT sha, subject FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT 5').all(m.id) as { sha: string; subject: string }[];
  const claims = db.prepare('SELECT DISTINCT task_id FROM claims WHERE mission_id = ?').all(m.id) as { task_id: string }[];
  const status = db.prepare('SELECT status FROM tasks WHERE id = ?').pluck();
  const parts: string[] = [];
  if (claims.length) parts.push(`Tasks: ${claims.map((c) => `${c.task_id} (${(status.get(c.task_id) as string | undefined) ?? '?'})`).join(', ')}.`);
  if (commits.length) parts.push(`Commits: ${commits.map((c) => `${c.sha.slice(0, 8)} ${c.subject.replace(/\s+/g, ' ').slice(0, 80)}`).join('; ')}.`);
  return parts.length ? parts.join(' ') : 'No claims and no commits recorded.';
}
