import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { record } from '../activity.js';
import { SortieError } from '../errors.js';
import { iso, parseDuration } from '../time.js';
import { pickCodename, type CodenameTaken } from './codename.js';
import { randomHex } from '../lazy.js';
import { isAlive } from './process.js';
import { transcriptMtime } from './signs.js';

export interface MissionRow {
  id: number;
  codename: string;
  kind: 'agent' | 'person';
  agent: string;
  session_id: string | null;
  person: string | null;
  transcript_path: string | null;
  cwd: string | null;
  worktree: string | null;
  branch: string | null;
  pid: number | null;
  pid_start: string | null;
  parent_id: number | null;
  started_at: string;
  last_seen_at: string;
  ended_at: string | null;
  end_reason: string | null;
  handoff: string | null;
  summary: string | null;
  checkpoint: string | null;
  journal_path: string | null;
  /** Where an imported mission came from (`site-nine:mission/38`); null for sortie's own. */
  source: string | null;
  /** The persona and role the source tool gave it (site-nine personas, overstory capabilities). */
  persona: string | null;
  role: string | null;
}

export interface StartMission {
  agent: string;
  sessionId?: string | undefined;
  transcriptPath?: string | undefined;
  cwd?: string | undefined;
  worktree?: string | undefined;
  branch?: string | undefined;
  pid?: number | undefined;
  pidStart?: string | undefined;
  parentId?: number | undefined;
  at: string;
}

/** Inserts a mission and names it after its id, in the caller's transaction. */
export function insertMission(db: Database, m: StartMission & { kind?: 'agent' | 'person'; person?: string }): MissionRow {
  const info = db
    .prepare(`INSERT INTO missions (codename, kind, agent, session_id, person, transcript_path, cwd, worktree, branch, pid, pid_start, parent_id, started_at, last_seen_at)
      VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(
      m.kind ?? 'agent',
      m.agent,
      m.sessionId ?? null,
      m.person ?? null,
      m.transcriptPath ?? null,
      m.cwd ?? null,
      m.worktree ?? null,
      m.branch ?? null,
      m.pid ?? null,
      m.pidStart ?? null,
      m.parentId ?? null,
      m.at,
      m.at,
    );
  const id = Number(info.lastInsertRowid);
  db.prepare('UPDATE missions SET codename = ? WHERE id = ?').run(pickCodename(id, cloneId(db), codenamesTakenElsewhere), id);
  record(db, { kind: 'mission.started', at: m.at, missionId: id, agent: m.agent, detail: { session: m.sessionId, branch: m.branch, parent: m.parentId } });
  return getMission(db, id)!;
}

/**
 * This clone's random id (in the database's meta, made at its first mission, in the caller's
 * transaction): what makes its codenames differ from every other clone's.
 */
export function cloneId(db: Database): string {
  const row = db.prepare("SELECT value FROM meta WHERE key = 'clone_id'").get() as { value: string } | undefined;
  if (row) return row.value;
  const id = randomHex(16);
  db.prepare("INSERT INTO meta (key, value) VALUES ('clone_id', ?)").run(id);
  return id;
}

/**
 * The seam for claims shared across clones (issue 12): the names of missions seen in the cache of
 * the remote's claims. Until there is one, no name is known from elsewhere.
 */
let codenamesTakenElsewhere: CodenameTaken = () => false;
export function setCodenamesTakenElsewhere(taken: CodenameTaken): void {
  codenamesTakenElsewhere = taken;
}

/** A mission recorded by another tool, with its own times, name and end (see `sortie import`). */
export interface RecordedMission {
  agent: string;
  /** The source's own name for it; sortie's codename for its id when it has none. */
  codename?: string | undefined;
  persona?: string | undefined;
  role?: string | undefined;
  source: string;
  sessionId?: string | undefined;
  worktree?: string | undefined;
  branch?: string | undefined;
  pid?: number | undefined;
  parentId?: number | undefined;
  startedAt: string;
  lastSeenAt: string;
  /** Undefined for a mission whose agent is provably still alive: it stays live. */
  endedAt?: string | undefined;
  endReason?: string | undefined;
  handoff?: string | undefined;
  summary?: string | undefined;
}

/**
 * Inserts a mission recorded elsewhere, in the caller's transaction, with its start and end
 * written to the activity log at the times they happened.
 */
export function insertRecordedMission(db: Database, m: RecordedMission): MissionRow {
  const info = db
    .prepare(`INSERT INTO missions (codename, kind, agent, session_id, worktree, branch, pid, parent_id, started_at, last_seen_at, ended_at, end_reason, handoff, summary, source, persona, role)
      VALUES (?, 'agent', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(
      m.codename ?? '',
      m.agent,
      m.sessionId ?? null,
      m.worktree ?? null,
      m.branch ?? null,
      m.pid ?? null,
      m.parentId ?? null,
      m.startedAt,
      m.lastSeenAt,
      m.endedAt ?? null,
      m.endedAt ? (m.endReason ?? 'ended') : null,
      m.handoff ?? null,
      m.summary ?? null,
      m.source,
      m.persona ?? null,
      m.role ?? null,
    );
  const id = Number(info.lastInsertRowid);
  if (!m.codename) db.prepare('UPDATE missions SET codename = ? WHERE id = ?').run(pickCodename(id, cloneId(db), codenamesTakenElsewhere), id);
  record(db, { kind: 'mission.started', at: m.startedAt, missionId: id, agent: m.agent, detail: { source: m.source, branch: m.branch, parent: m.parentId } });
  if (m.endedAt) record(db, { kind: 'mission.ended', at: m.endedAt, missionId: id, agent: m.agent, detail: { reason: m.endReason ?? 'ended', ended_at: m.endedAt, source: m.source } });
  return getMission(db, id)!;
}

/**
 * Starts a mission, or joins the live mission of the same session: two hook entries of one
 * session firing at once (an editor running both its own and Claude Code's hooks) make one
 * mission, decided inside the write transaction.
 */
export function startMission(db: Database, m: StartMission): MissionRow {
  return write(db, () => {
    const live = m.sessionId ? (db.prepare('SELECT * FROM missions WHERE session_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1').get(m.sessionId) as MissionRow | undefined) : undefined;
    return live ?? insertMission(db, m);
  });
}

export function getMission(db: Database, id: number): MissionRow | undefined {
  return db.prepare('SELECT * FROM missions WHERE id = ?').get(id) as MissionRow | undefined;
}

/** Accepts a number, `#12`, or a codename. */
export function findMission(db: Database, ref: string): MissionRow {
  const n = /^#?(\d+)$/.exec(ref.trim());
  const row = n
    ? getMission(db, Number(n[1]))
    : (db.prepare('SELECT * FROM missions WHERE codename = ? ORDER BY id DESC LIMIT 1').get(ref.trim()) as MissionRow | undefined);
  if (!row) throw new SortieError('MISSION_NOT_FOUND', `no mission "${ref}"`, { hint: 'sortie mission list --all' });
  return row;
}

export function missionBySession(db: Database, sessionId: string): MissionRow | undefined {
  return db.prepare('SELECT * FROM missions WHERE session_id = ? ORDER BY id DESC LIMIT 1').get(sessionId) as MissionRow | undefined;
}

export function liveMissions(db: Database): MissionRow[] {
  return db.prepare('SELECT * FROM missions WHERE ended_at IS NULL ORDER BY id').all() as MissionRow[];
}

export function listMissions(db: Database, opts: { all?: boolean; limit?: number }): MissionRow[] {
  if (!opts.all) return liveMissions(db);
  return db.prepare('SELECT * FROM (SELECT * FROM missions ORDER BY id DESC LIMIT ?) ORDER BY id').all(opts.limit ?? 50) as MissionRow[];
}

/** An ended mission's notes, as the start-up context shows them. */
export interface PreviousHandoff {
  codename: string;
  agent: string;
  ended_at: string;
  end_reason: string;
  handoff: string | null;
  summary: string | null;
  /** Set for a mission brought in by `sortie import` (`site-nine:mission/38`). */
  source: string | null;
}

/**
 * The notes a new mission starts from: the last ended mission with notes on its branch, or the
 * last one brought in by `sortie import` when that ended later (imported history has no branch of
 * this repository). Two probes of an index each (missions_branch_ended, missions_imported).
 */
export function previousHandoff(db: Database, m: Pick<MissionRow, 'id' | 'branch'>): PreviousHandoff | undefined {
  const onBranch = db
    .prepare(
      `SELECT codename, agent, ended_at, end_reason, handoff, summary, source FROM missions
       WHERE id != ? AND ended_at IS NOT NULL AND (handoff IS NOT NULL OR summary IS NOT NULL) AND (branch IS ? OR ? IS NULL)
       ORDER BY ended_at DESC LIMIT 1`,
    )
    .get(m.id, m.branch, m.branch) as PreviousHandoff | undefined;
  const imported = db
    .prepare(
      `SELECT codename, agent, ended_at, end_reason, handoff, summary, source FROM missions
       WHERE source IS NOT NULL AND ended_at IS NOT NULL AND id != ? AND (handoff IS NOT NULL OR summary IS NOT NULL)
       ORDER BY ended_at DESC LIMIT 1`,
    )
    .get(m.id) as PreviousHandoff | undefined;
  return imported && (!onBranch || imported.ended_at > onBranch.ended_at) ? imported : onBranch;
}

export interface EndOptions {
  reason: string;
  at: string;
  /** When the mission really ended (for reaping: its last sign of life). Defaults to `at`. */
  endedAt?: string;
  handoff?: string | undefined;
  summary?: string | undefined;
  activity?: 'mission.ended' | 'mission.reaped';
}

/**
 * Closes a mission and releases its claims, in one transaction. Released tasks stay UNDERWAY:
 * they show up as waiting for pickup, with this mission's handoff.
 */
export function endMissionTx(db: Database, m: MissionRow, o: EndOptions): string[] {
  const endedAt = o.endedAt ?? o.at;
  const res = db
    .prepare('UPDATE missions SET ended_at = ?, end_reason = ?, handoff = COALESCE(?, handoff), summary = COALESCE(?, summary) WHERE id = ? AND ended_at IS NULL')
    .run(endedAt, o.reason, o.handoff ?? null, o.summary ?? null, m.id);
  if (res.changes === 0) return [];
  const held = db.prepare('SELECT task_id FROM claims WHERE mission_id = ? AND released_at IS NULL').all(m.id) as { task_id: string }[];
  db.prepare('UPDATE claims SET released_at = ?, release_reason = ? WHERE mission_id = ? AND released_at IS NULL').run(
    endedAt,
    o.activity === 'mission.reaped' ? 'reaped' : 'mission-ended',
    m.id,
  );
  record(db, {
    kind: o.activity ?? 'mission.ended',
    at: o.at,
    missionId: m.id,
    agent: m.agent,
    detail: { reason: o.reason, ended_at: endedAt, released: held.map((h) => h.task_id) },
  });
  for (const h of held) {
    record(db, { kind: 'task.released', at: o.at, missionId: m.id, agent: m.agent, taskId: h.task_id, detail: { reason: o.reason } });
  }
  return held.map((h) => h.task_id);
}

export function endMission(db: Database, m: MissionRow, o: EndOptions): string[] {
  return write(db, () => endMissionTx(db, m, o));
}

export interface ReapOptions {
  now: Date;
  staleAfter: string;
  /** Transcript mtime lookup, so a mission still writing its transcript is alive (default: stat). */
  lastWrite?: (path: string) => number | undefined;
  /** Never reap this one (the mission of the caller). */
  except?: number | undefined;
}

export interface Reaped {
  id: number;
  codename: string;
  agent: string;
  reason: 'process-gone' | 'silent';
  endedAt: string;
  released: string[];
}

export interface Doomed {
  m: MissionRow;
  reason: Reaped['reason'];
  /** Its last sign of life: heartbeat (folded into last_seen_at) or transcript write. */
  lastSign: string;
}

/**
 * The live agent missions whose process is gone or that showed no sign of life for `staleAfter`:
 * what reaping closes, and what doctor reports. Person missions are never judged for silence.
 */
export function deadOrSilent(db: Database, o: ReapOptions): Doomed[] {
  const staleMs = parseDuration(o.staleAfter) ?? 2 * 3_600_000;
  const lastWrite = o.lastWrite ?? transcriptMtime;
  const live = db.prepare("SELECT * FROM missions WHERE ended_at IS NULL AND kind = 'agent'").all() as MissionRow[];
  const out: Doomed[] = [];
  // Subagents and resumed sessions share their agent's process: each one is looked up once.
  const alive = new Map<string, boolean>();
  const isUp = (pid: number, start: string | null) => {
    const key = `${pid} ${start ?? ''}`;
    let up = alive.get(key);
    if (up === undefined) alive.set(key, (up = isAlive(pid, start)));
    return up;
  };
  for (const m of live) {
    if (m.id === o.except) continue;
    let lastMs = Date.parse(m.last_seen_at);
    const t = m.transcript_path ? lastWrite(m.transcript_path) : undefined;
    if (t !== undefined && t > lastMs) lastMs = Math.min(t, o.now.getTime());
    const lastSign = iso(lastMs);
    if (m.pid && !isUp(m.pid, m.pid_start)) out.push({ m, reason: 'process-gone', lastSign });
    else if (o.now.getTime() - lastMs > staleMs) out.push({ m, reason: 'silent', lastSign });
  }
  return out;
}

/**
 * Closes what deadOrSilent finds, with reason `abandoned`, at each mission's last sign of life,
 * releasing its claims. A person's claims last until they release them.
 */
export function reapMissions(db: Database, o: ReapOptions): Reaped[] {
  const victims = deadOrSilent(db, o);
  if (victims.length === 0) return [];
  const at = iso(o.now);
  return write(db, () => {
    const out: Reaped[] = [];
    for (const v of victims) {
      const fresh = getMission(db, v.m.id);
      if (!fresh || fresh.ended_at) continue;
      // A heartbeat may have landed since we looked; trust it over the pid check only for silence.
      if (v.reason === 'silent' && fresh.last_seen_at > v.m.last_seen_at) continue;
      const released = endMissionTx(db, fresh, {
        reason: 'abandoned',
        at,
        endedAt: v.lastSign < fresh.started_at ? fresh.started_at : v.lastSign,
        activity: 'mission.reaped',
        summary: `abandoned (${v.reason === 'process-gone' ? 'agent process gone' : 'no sign of life'})`,
      });
      out.push({ id: fresh.id, codename: fresh.codename, agent: fresh.agent, reason: v.reason, endedAt: v.lastSign, released });
    }
    return out;
  });
}

/**
 * A mission's agent is back (resume, compact): a sign of life, and what may have changed since
 * it started (its process, its branch, its transcript).
 */
export function reattachMission(
  db: Database,
  m: MissionRow,
  o: { at: string; pid?: number | undefined; pidStart?: string | undefined; branch?: string | undefined; transcriptPath?: string | undefined },
): MissionRow {
  write(db, () =>
    db
      .prepare('UPDATE missions SET last_seen_at = ?, pid = COALESCE(?, pid), pid_start = COALESCE(?, pid_start), branch = ?, transcript_path = COALESCE(?, transcript_path) WHERE id = ?')
      .run(o.at, o.pid ?? null, o.pidStart ?? null, o.branch ?? null, o.transcriptPath ?? null, m.id),
  );
  return getMission(db, m.id)!;
}

/** Reopens a closed mission (resume of an ended session). Claims are not restored: they may be someone else's now. */
export function reopenMission(db: Database, m: MissionRow, at: string): MissionRow {
  return write(db, () => {
    db.prepare('UPDATE missions SET ended_at = NULL, end_reason = NULL, last_seen_at = ? WHERE id = ?').run(at, m.id);
    record(db, { kind: 'mission.resumed', at, missionId: m.id, agent: m.agent, detail: { reopened: m.ended_at !== null } });
    return getMission(db, m.id)!;
  });
}

/** A mission's agent moved to another branch or worktree (git post-checkout). */
export function recordBranch(db: Database, m: MissionRow, o: { at: string; branch: string | undefined; worktree: string; from: string | undefined; to: string | undefined }): void {
  write(db, () => {
    db.prepare('UPDATE missions SET branch = ?, worktree = ?, last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(o.branch ?? null, o.worktree, o.at, m.id);
    record(db, { kind: 'mission.branch', at: o.at, missionId: m.id, agent: m.agent, detail: { branch: o.branch, worktree: o.worktree, from: o.from, to: o.to } });
  });
}

/** The mission's handoff notes (`sortie mission note`), kept when it ends; a sign of life too. */
export function setHandoff(db: Database, m: MissionRow, text: string, at: string): void {
  write(db, () => {
    db.prepare('UPDATE missions SET handoff = ?, last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(text, at, m.id);
    record(db, { kind: 'mission.note', at, missionId: m.id, agent: m.agent, detail: { chars: text.length } });
  });
}

export interface CommitRow {
  sha: string;
  subject: string;
  at: string;
  branch: string | null;
  /** JSON list of task ids. */
  tasks: string;
}

/** A mission's last commits, newest first. */
export function missionCommits(db: Database, missionId: number, limit: number): CommitRow[] {
  return db.prepare('SELECT sha, subject, at, branch, tasks FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT ?').all(missionId, limit) as CommitRow[];
}

export function countLiveAgentMissions(db: Database): number {
  return db.prepare("SELECT COUNT(*) FROM missions WHERE ended_at IS NULL AND kind = 'agent'").pluck().get() as number;
}
