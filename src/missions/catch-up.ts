import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { applyQueuedActivity, record } from '../activity.js';
import type { SortieConfig } from '../config/types.js';
import type { Env, Repo } from '../git.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { beatFile, stateDir } from '../store/paths.js';
import { takeQueue } from '../store/queue.js';
import { iso } from '../time.js';
import { drainPendingCommits } from './commits.js';
import type { EndEvent } from './end-event.js';
import { readJournalHandoff, writeJournal } from './journal.js';
import { endMissionTx, getMission, missionBySession, type MissionRow } from './missions.js';
import { applyQueuedCheckpoint } from './checkpoint.js';
import { applyStart, parseStart } from './session.js';

/**
 * Applies what hooks left behind, before anything reads the database: sessions that started while
 * the database was locked (first: the commits, ends and checkpoints of those sessions name them),
 * commits queued by post-commit (before the ends: they belong in the summary of a mission that
 * ended after them), sessions that ended, checkpoints and guard verdicts that could not be
 * written, then heartbeats. Every reader calls this first, so the state people and agents see is
 * the same as if the hooks had written it themselves.
 */
export function catchUp(db: Database, dbFile: string, repo: Repo, config: SortieConfig, env: Env, now: Date): void {
  applyStartEvents(db, dbFile, config, now);
  drainPendingCommits(db, dbFile, repo, config, env, now);
  applyEndEvents(db, dbFile, now);
  applyQueued(db, dbFile, 'checkpoint', now, (line) => applyQueuedCheckpoint(db, line));
  applyQueued(db, dbFile, 'activity', now, (line) => applyQueuedActivity(db, line));
  foldBeats(db, dbFile, now);
}

/** Entries of one kind, each applied (idempotently) then deleted; a line nobody can act on is dropped. */
function applyQueued(db: Database, dbFile: string, kind: string, now: Date, apply: (line: string) => void): void {
  const q = takeQueue(dbFile, kind, now);
  for (const { file, line } of q.entries) {
    apply(line);
    q.done(file);
  }
}

/** Creates or attaches the missions of sessions whose SessionStart could not write in time. */
function applyStartEvents(db: Database, dbFile: string, config: SortieConfig, now: Date): void {
  applyQueued(db, dbFile, 'start', now, (line) => {
    const e = parseStart(line);
    const begun = e ? applyStart(db, e) : undefined;
    if (!begun || !config.missions.journal || !e?.worktree) return;
    const dir = isAbsolute(config.missions.journalDir) ? config.missions.journalDir : resolve(e.worktree, config.missions.journalDir);
    try {
      writeJournal(db, dir, begun.mission);
    } catch {
      // the journal is a view; the database has everything
    }
  });
}

/** Closes the missions whose SessionEnd was queued, as of when it happened. */
function applyEndEvents(db: Database, dbFile: string, now: Date): number {
  const q = takeQueue(dbFile, 'end', now);
  let n = 0;
  for (const { file, line } of q.entries) {
    let e: EndEvent | undefined;
    try {
      e = JSON.parse(line) as EndEvent;
    } catch {
      e = undefined; // not an end anyone can act on; the mission will be reaped instead
    }
    const m = e?.type === 'end' && e.session ? missionBySession(db, e.session) : undefined;
    // Closed already, or reopened (resume) after this end was queued: nothing to do.
    if (e && m && !m.ended_at && m.last_seen_at <= e.at) {
      endFromEvent(db, m, e);
      n++;
    }
    q.done(file);
  }
  return n;
}

function endFromEvent(db: Database, m: MissionRow, e: EndEvent): void {
  const handoff = m.handoff ?? readJournalHandoff(m.journal_path) ?? undefined;
  const summary = handoff ? undefined : summarize(db, m);
  write(db, () => endMissionTx(db, m, { reason: e.reason, at: e.at, handoff, summary }));
  const ended = getMission(db, m.id)!;
  if (ended.journal_path) {
    try {
      // The agent's notes are in the database already (handoff above): safe to overwrite.
      writeJournal(db, dirname(ended.journal_path), ended, { inPlace: true });
    } catch {
      // the journal is a view; the database has everything
    }
  }
}

/** A handoff made from what the mission did, when the agent left no notes. */
function summarize(db: Database, m: MissionRow): string {
  const commits = db.prepare('SELECT sha, subject FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT 5').all(m.id) as { sha: string; subject: string }[];
  const claims = db.prepare('SELECT DISTINCT task_id FROM claims WHERE mission_id = ?').all(m.id) as { task_id: string }[];
  const status = db.prepare('SELECT status FROM tasks WHERE id = ?').pluck();
  const parts: string[] = [];
  if (claims.length) parts.push(`Tasks: ${claims.map((c) => `${c.task_id} (${(status.get(c.task_id) as string | undefined) ?? '?'})`).join(', ')}.`);
  if (commits.length) parts.push(`Commits: ${commits.map((c) => `${c.sha.slice(0, 8)} ${c.subject.replace(/\s+/g, ' ').slice(0, 80)}`).join('; ')}.`);
  return parts.length ? parts.join(' ') : 'No claims and no commits recorded.';
}

/**
 * Heartbeats are files: their mtime becomes last_seen_at. A beat from a mission that was reaped
 * for silence while its agent was only quiet reopens it (its claims are not restored: they may be
 * someone else's by now). Beat files of ended missions are removed.
 */
function foldBeats(db: Database, dbFile: string, now: Date): void {
  const dir = join(stateDir(dbFile), 'beats');
  if (!existsSync(dir)) return;
  const updates: { m: MissionRow; at: string; reopen: boolean }[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    let st;
    let session: string | undefined;
    try {
      st = statSync(file);
      session = readFileSync(file, 'utf8').split('\n')[0];
    } catch {
      continue;
    }
    if (!session || beatFile(dbFile, session) !== file) continue;
    const at = iso(Math.min(st.mtimeMs, now.getTime()));
    const m = missionBySession(db, session);
    if (!m) {
      if (now.getTime() - st.mtimeMs > 86_400_000) rmSync(file, { force: true });
    } else if (!m.ended_at) {
      if (at > m.last_seen_at) updates.push({ m, at, reopen: false });
    } else if (m.end_reason === 'abandoned' && st.mtimeMs > Date.parse(m.ended_at) + 1000) {
      updates.push({ m, at, reopen: true });
    } else if (m.end_reason !== 'abandoned' || now.getTime() - st.mtimeMs > 86_400_000) {
      rmSync(file, { force: true });
    }
  }
  if (updates.length === 0) return;
  write(db, () => {
    for (const u of updates) {
      if (u.reopen) {
        db.prepare('UPDATE missions SET ended_at = NULL, end_reason = NULL, last_seen_at = ? WHERE id = ? AND ended_at IS NOT NULL').run(u.at, u.m.id);
        record(db, { kind: 'mission.resumed', at: u.at, missionId: u.m.id, agent: u.m.agent, detail: { reopened: true, by: 'heartbeat' } });
      } else db.prepare('UPDATE missions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?').run(u.at, u.m.id, u.at);
    }
  });
}
