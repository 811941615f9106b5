import type { ActivityKind, ActivityRow } from '../activity.js';
import type { Database } from '../store/open.js';
import type { MissionRow } from './missions.js';

/**
 * The reads behind the mission timeline of `sortie ui` and `sortie report`: missions and events in
 * a time window, found through the indexes on `ended_at`, live missions and `at`, so a window
 * costs what it holds rather than the size of the history.
 */

/** The start of the nth most recent mission (1: the latest), or of the first one when there are fewer. */
export function recentMissionStart(db: Database, n: number): string | undefined {
  const nth = db.prepare('SELECT started_at FROM missions ORDER BY id DESC LIMIT 1 OFFSET ?').pluck().get(n - 1) as string | undefined;
  return nth ?? ((db.prepare('SELECT MIN(started_at) FROM missions').pluck().get() as string | null) ?? undefined);
}

export interface MissionWindow {
  from: string;
  to: string;
  branch?: string | undefined;
  /** Only the missions of this agent, or of this person. */
  who?: { kind: 'agent' | 'person'; name: string } | undefined;
  /** Only missions that claimed this task or recorded an event on it. */
  task?: string | undefined;
  limit: number;
}

/**
 * Missions that overlap the window (started by its end; ended in or after it, or still live),
 * latest start first, at most `limit`.
 */
export function missionsInWindow(db: Database, q: MissionWindow): MissionRow[] {
  const where: string[] = ['started_at <= @to'];
  const params: Record<string, unknown> = { to: q.to, from: q.from, limit: q.limit };
  if (q.branch) (where.push('branch = @branch'), (params.branch = q.branch));
  if (q.who) {
    where.push(q.who.kind === 'person' ? "kind = 'person' AND person = @name" : "kind = 'agent' AND agent = @name");
    params.name = q.who.name;
  }
  if (q.task) (where.push('id IN (SELECT mission_id FROM claims WHERE task_id = @task UNION SELECT mission_id FROM activity WHERE task_id = @task)'), (params.task = q.task));
  const cond = where.join(' AND ');
  // Ended in or after the window (index on ended_at), or still live (index on live missions).
  return db
    .prepare(
      `SELECT * FROM (SELECT * FROM missions WHERE ended_at >= @from AND ${cond}
        UNION ALL SELECT * FROM missions WHERE ended_at IS NULL AND ${cond})
       ORDER BY started_at DESC LIMIT @limit`,
    )
    .all(params) as MissionRow[];
}

/** An event with what its mission was: whose lane it goes in, on which branch. */
export interface EventRow extends ActivityRow {
  m_kind: 'agent' | 'person' | null;
  m_person: string | null;
  m_agent: string | null;
  m_branch: string | null;
}

/** Events of the given kinds in the window, oldest first, at most `limit`. */
export function eventsInWindow(db: Database, q: { from: string; to: string; kinds: readonly ActivityKind[]; task?: string | undefined; limit: number }): EventRow[] {
  return db
    .prepare(
      `SELECT a.id, a.at, a.kind, a.mission_id, a.agent, a.task_id, a.detail, m.kind AS m_kind, m.person AS m_person, m.agent AS m_agent, m.branch AS m_branch
       FROM activity a LEFT JOIN missions m ON m.id = a.mission_id
       WHERE a.at >= ? AND a.at <= ? AND a.kind IN (${q.kinds.map(() => '?').join(',')}) ${q.task ? 'AND a.task_id = ?' : ''}
       ORDER BY a.at LIMIT ?`,
    )
    .all(q.from, q.to, ...q.kinds, ...(q.task ? [q.task] : []), q.limit) as EventRow[];
}

/** Every agent, person and branch that has a mission (the timeline's filter choices). A scan of the missions. */
export function missionFacets(db: Database): { agents: string[]; persons: (string | null)[]; branches: string[] } {
  return {
    agents: db.prepare("SELECT DISTINCT agent FROM missions WHERE kind = 'agent' ORDER BY agent").pluck().all() as string[],
    persons: db.prepare("SELECT DISTINCT person FROM missions WHERE kind = 'person' ORDER BY person").pluck().all() as (string | null)[],
    branches: (db.prepare('SELECT DISTINCT branch FROM missions WHERE branch IS NOT NULL ORDER BY branch LIMIT 500').pluck().all() as string[]).filter(Boolean),
  };
}

/** Changes when a mission or an event is added: what missionFacets can be kept until. */
export function historyMark(db: Database): string {
  return String(db.prepare("SELECT (SELECT IFNULL(MAX(id), 0) FROM missions) || ':' || (SELECT IFNULL(MAX(id), 0) FROM activity)").pluck().get());
}

/**
 * Changes whenever what the board and the timeline show changes: an event, a mission started or
 * ended, a sign of life, a task indexed. A handful of index lookups, cheap enough to ask after
 * every change on disk.
 */
export function stateVersion(db: Database): string {
  return String(
    db
      .prepare(
        `SELECT (SELECT IFNULL(MAX(id), 0) FROM activity) || '|' || (SELECT COUNT(*) FROM missions) || '|' ||
           (SELECT COUNT(*) FROM missions WHERE ended_at IS NULL) || '|' || (SELECT IFNULL(MAX(last_seen_at), '') FROM missions WHERE ended_at IS NULL) || '|' ||
           (SELECT COUNT(*) FROM tasks) || '|' || (SELECT IFNULL(MAX(synced_at), '') FROM tasks)`,
      )
      .pluck()
      .get(),
  );
}
