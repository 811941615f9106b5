import type { Database } from '../store/open.js';
import { startAfterClear } from './clear.js';
import { missionBySession, reattachMission, reopenMission, startMission, type MissionRow, type StartMission } from './missions.js';

/**
 * Everything SessionStart needs to create or attach a mission, as the hook saw it. It is what the
 * hook uses when it can write, and what it queues (store/queue.ts, kind `start`) when it cannot:
 * catch-up.ts then applies it with the same function, before the ends of the same session.
 */
export interface StartEvent {
  type: 'start';
  agent: string;
  session: string | undefined;
  source: string;
  pid: number | undefined;
  pidStart: string | undefined;
  cwd: string | undefined;
  worktree: string | undefined;
  branch: string | undefined;
  transcript: string | undefined;
  at: string;
}

export interface Begun {
  mission: MissionRow;
  inherited: { from: string; tasks: string[] } | undefined;
}

/**
 * Starts, reattaches to, or continues a mission depending on the source: resume/compact reattach
 * to the session's mission (reopening it if it ended), a second start of a live session is the
 * same mission, clear inherits the claims of the mission /clear ended, anything else starts one.
 */
export function beginSession(db: Database, e: StartEvent, existing = e.session ? missionBySession(db, e.session) : undefined): Begun {
  const base: StartMission = {
    agent: e.agent,
    sessionId: e.session,
    transcriptPath: e.transcript,
    cwd: e.cwd,
    worktree: e.worktree,
    branch: e.branch,
    pid: e.pid,
    pidStart: e.pidStart,
    at: e.at,
  };
  if ((e.source === 'resume' || e.source === 'compact') && existing) {
    let mission = existing.ended_at ? reopenMission(db, existing, e.at) : existing;
    mission = reattachMission(db, mission, { at: e.at, pid: e.pid, pidStart: e.pidStart, branch: e.branch, transcriptPath: e.transcript });
    return { mission, inherited: undefined };
  }
  // The same session started twice (duplicate hook entries, an editor running Claude's hooks,
  // pi announcing a new session twice): one mission. A real /clear comes with a new session id.
  if (existing && !existing.ended_at) return { mission: existing, inherited: undefined };
  if (e.source === 'clear') return startAfterClear(db, base, e.at);
  return { mission: startMission(db, base), inherited: undefined };
}

/**
 * A queued start, applied by catch-up. Idempotent: nothing happens when its session already has a
 * mission from this start or a later one, or (for resume/compact) when the mission ended after it
 * (its end was applied already: reopening would undo it).
 */
export function applyStart(db: Database, e: StartEvent): Begun | undefined {
  const existing = e.session ? missionBySession(db, e.session) : undefined;
  if (existing && existing.started_at >= e.at) return undefined;
  if (existing?.ended_at && existing.ended_at > e.at) return undefined;
  // A resume or compact seen after this one already reattached the mission (its pid, its branch).
  if (existing && (e.source === 'resume' || e.source === 'compact') && existing.last_seen_at > e.at) return undefined;
  return beginSession(db, e, existing);
}

/** A queue line read back: undefined unless it is a start sortie can act on. */
export function parseStart(line: string): StartEvent | undefined {
  let e: Partial<StartEvent>;
  try {
    e = JSON.parse(line) as Partial<StartEvent>;
  } catch {
    return undefined;
  }
  if (e.type !== 'start' || typeof e.agent !== 'string' || typeof e.at !== 'string' || typeof e.source !== 'string') return undefined;
  if (Number.isNaN(Date.parse(e.at))) return undefined;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const pid = Number(e.pid);
  return {
    type: 'start',
    agent: e.agent,
    session: str(e.session),
    source: e.source,
    pid: Number.isInteger(pid) && pid > 1 ? pid : undefined,
    pidStart: str(e.pidStart),
    cwd: str(e.cwd),
    worktree: str(e.worktree),
    branch: str(e.branch),
    transcript: str(e.transcript),
    at: e.at,
  };
}
