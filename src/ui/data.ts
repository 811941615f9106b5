import type { SortieConfig } from '../config/types.js';
import { buildContext } from '../context/build.js';
import { queryActivity } from '../activity.js';
import { getMission, missionCommits, type MissionRow } from '../missions/missions.js';
import { eventsInWindow, historyMark, missionFacets, missionsInWindow, recentMissionStart } from '../missions/timeline.js';
import type { Database } from '../store/open.js';
import { read } from '../store/write.js';
import { effectiveCounts, effectiveTasks, type EffectiveTask, type TaskOrigin } from '../tasks/effective.js';
import { STATUSES, TERMINAL, type Status } from '../tasks/status.js';
import { lastClaim, liveClaimsOn, missionClaims, pickupNote, taskRow } from '../tasks/tasks.js';
import { iso, parseDuration } from '../time.js';

/**
 * Everything the board, the timeline and the mission page show, read through the domain functions.
 * The server answers its API from here and `sortie report` inlines the same objects, so the page
 * has one data shape whatever serves it. Strings in here come from task files, agents and git:
 * the page inserts them as text, never as markup.
 */

export interface UiWorld {
  db: Database;
  config: SortieConfig;
  now: () => Date;
  /** The branch checked out where the board is looked at; a task's origin on another branch is shown. */
  branch: () => string | undefined;
  repoName: string;
  /** The task folder of the checkout looked from: origins are shown relative to it. */
  here?: string | undefined;
}

export type HolderState = 'live' | 'stale' | 'reaped' | 'ended';

export interface Holder {
  mission: number;
  codename: string;
  kind: 'agent' | 'person';
  agent: string;
  person: string | null;
  state: HolderState;
  since: string;
  lastSeenAt: string;
  endedAt: string | null;
  endReason: string | null;
}

export interface Card {
  id: string;
  title: string;
  status: Status;
  priority: string;
  labels: string[];
  dependsOn: string[];
  /** UNDERWAY with nobody holding it. */
  waiting: boolean;
  holder: Holder | null;
  /** For a task waiting for pickup: who had it last (reaped, or ended), and the notes left. */
  lastHolder: Holder | null;
  note: { text: string; from: string | null; at: string } | null;
  /** Set when the effective state comes from another branch or worktree. */
  origin: TaskOrigin | null;
}

export interface Column {
  status: Status;
  closed: boolean;
  total: number;
  offset: number;
  cards: Card[];
}

export interface BoardData {
  repo: string;
  branch: string | null;
  generatedAt: string;
  columns: Column[];
}

/** A live mission silent this long is shown as stale (before reaping, which takes `staleAfter`). */
export function staleMs(config: SortieConfig): number {
  const reapAfter = parseDuration(config.missions.staleAfter) ?? 2 * 3_600_000;
  return Math.min(10 * 60_000, Math.max(60_000, Math.floor(reapAfter / 2)));
}

export function missionState(m: MissionRow, now: Date, config: SortieConfig): HolderState {
  if (m.ended_at) return m.end_reason === 'abandoned' ? 'reaped' : 'ended';
  if (m.kind === 'person') return 'live';
  return now.getTime() - Date.parse(m.last_seen_at) > staleMs(config) ? 'stale' : 'live';
}

function holderOf(m: MissionRow, since: string, now: Date, config: SortieConfig): Holder {
  return {
    mission: m.id,
    codename: m.codename,
    kind: m.kind,
    agent: m.agent,
    person: m.person,
    state: missionState(m, now, config),
    since,
    lastSeenAt: m.last_seen_at,
    endedAt: m.ended_at,
    endReason: m.end_reason,
  };
}

export const CLOSED: ReadonlySet<Status> = TERMINAL;
export const DEFAULT_PAGE = 50;

function cardsOf(w: UiWorld, tasks: EffectiveTask[]): Card[] {
  const now = w.now();
  const held = new Map(liveClaimsOn(w.db, tasks.map((t) => t.id)).map((c) => [c.task_id, { since: c.claimed_at, m: c.mission }]));
  return tasks.map((t) => {
    const h = held.get(t.id);
    const waiting = t.status === 'UNDERWAY' && !h;
    const last = waiting ? lastClaim(w.db, t.id) : undefined;
    const note = waiting ? pickupNote(w.db, t.id) : undefined;
    return {
      id: t.id,
      title: t.title,
      status: t.status,
      priority: t.priority,
      labels: t.labels,
      dependsOn: t.dependsOn,
      waiting,
      holder: h ? holderOf(h.m, h.since, now, w.config) : null,
      lastHolder: last ? holderOf(last.mission, last.claimed_at, now, w.config) : null,
      note: note ? { text: note.note.slice(0, 2000), from: note.from, at: note.at } : null,
      origin: t.origin ?? null,
    };
  });
}

/** One page of one column. */
export function columnData(w: UiWorld, status: Status, offset: number, limit: number, total = effectiveCounts(w.db)[status]): Column {
  const tasks = limit > 0 ? effectiveTasks(w.db, { status, offset, limit, here: w.here }) : [];
  // Tasks waiting for pickup first in UNDERWAY: they are what needs someone.
  const cards = cardsOf(w, tasks);
  if (status === 'UNDERWAY') cards.sort((a, b) => Number(b.waiting) - Number(a.waiting));
  return { status, closed: CLOSED.has(status), total, offset, cards };
}

/**
 * The board: every status a column, each with its count and its first `pages[status]` cards
 * (closed columns none unless asked: they are collapsed).
 */
export function boardData(w: UiWorld, pages: Partial<Record<Status, number>> = {}): BoardData {
  return read(w.db, () => {
    const counts = effectiveCounts(w.db);
    return {
      repo: w.repoName,
      branch: w.branch() ?? null,
      generatedAt: iso(w.now()),
      columns: STATUSES.map((s) => columnData(w, s, 0, Math.min(pages[s] ?? (CLOSED.has(s) ? 0 : DEFAULT_PAGE), 5000), counts[s])),
    };
  });
}

// ---------------------------------------------------------------- timeline

/** The activity the timeline marks, and the marker each becomes. */
export const MARKER_KINDS = {
  'task.claimed': 'claim',
  'task.inherited': 'claim',
  'task.handoff': 'handoff',
  'commit.recorded': 'commit',
  'commit.blocked': 'blocked',
  'mission.checkpoint': 'compaction',
  'mission.reaped': 'reap',
  'task.status': 'done',
} as const;

export interface TimelineMission {
  id: number;
  codename: string;
  lane: string;
  kind: 'agent' | 'person';
  agent: string;
  person: string | null;
  branch: string | null;
  start: string;
  /** null while live: the bar runs to now. */
  end: string | null;
  endReason: string | null;
  state: HolderState;
  lastSeenAt: string;
}

/** A mission as the timeline draws it (and the mission page starts from). */
function timelineMission(m: MissionRow, now: Date, config: SortieConfig): TimelineMission {
  return {
    id: m.id,
    codename: m.codename,
    lane: laneOf(m),
    kind: m.kind,
    agent: m.agent,
    person: m.person,
    branch: m.branch,
    start: m.started_at,
    end: m.ended_at,
    endReason: m.end_reason,
    state: missionState(m, now, config),
    lastSeenAt: m.last_seen_at,
  };
}

export interface Marker {
  id: number;
  at: string;
  kind: (typeof MARKER_KINDS)[keyof typeof MARKER_KINDS];
  mission: number | null;
  lane: string;
  task: string | null;
  /** What the tooltip says, assembled from the activity detail (untrusted text). */
  text: string;
  branch: string | null;
}

export interface Lane {
  key: string;
  label: string;
  kind: 'agent' | 'person';
}

export interface TimelineQuery {
  from?: string | undefined;
  to?: string | undefined;
  agent?: string | undefined;
  task?: string | undefined;
  branch?: string | undefined;
  maxMissions?: number | undefined;
  maxMarkers?: number | undefined;
}

export interface TimelineData {
  from: string;
  to: string;
  now: string;
  lanes: Lane[];
  missions: TimelineMission[];
  markers: Marker[];
  /** More missions or markers in the window than were sent: zoom in or filter. */
  truncated: boolean;
  /** Choices for the filters. */
  agents: Lane[];
  branches: string[];
}

const laneOf = (m: Pick<MissionRow, 'kind' | 'agent' | 'person'>) => (m.kind === 'person' ? `person:${m.person ?? 'unknown'}` : `agent:${m.agent}`);

/**
 * The time window shown first: from the start of the 40th most recent mission (at most a week
 * back, at least two minutes) to now.
 */
export function defaultWindow(db: Database, now: Date): { from: string; to: string } {
  const first = recentMissionStart(db, 40) ?? iso(now.getTime() - 3_600_000);
  const span = Math.min(7 * 86_400_000, Math.max(120_000, now.getTime() - Date.parse(first)));
  const pad = Math.round(span * 0.04);
  return { from: iso(now.getTime() - span - pad), to: iso(now.getTime() + pad) };
}

function markerText(kind: string, task: string | null, detail: Record<string, unknown>): string {
  const s = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  switch (kind) {
    case 'task.claimed':
      return `claimed ${s(task)}${detail.forced ? ' (forced)' : ''}`;
    case 'task.inherited':
      return `inherited ${s(task)} from ${s(detail.from)}`;
    case 'task.handoff':
      return `handed off ${s(task)}${detail.note ? `: ${s(detail.note).slice(0, 300)}` : ''}`;
    case 'commit.recorded':
      return `commit ${s(detail.sha).slice(0, 8)} ${s(detail.subject).slice(0, 200)}`;
    case 'commit.blocked':
      return `commit blocked on ${s(task)} (${s(detail.reason)}${detail.holder ? `, held by ${s(detail.holder)}` : ''})`;
    case 'mission.checkpoint':
      return `compaction: checkpoint with ${Array.isArray(detail.claims) ? detail.claims.length : 0} claim(s), ${s(detail.commits)} commit(s), ${s(detail.changed)} changed file(s)`;
    case 'mission.reaped': {
      const released = Array.isArray(detail.released) ? (detail.released as unknown[]).map(s) : [];
      return `reaped (${s(detail.reason)})${released.length ? `; released ${released.join(', ')}` : ''}`;
    }
    case 'task.status':
      return `${s(task)} ${s(detail.from)} -> ${s(detail.to)}`;
    case 'task.released':
      return `released ${s(task)} (${s(detail.reason)})`;
    case 'task.created':
      return `created ${s(task)}`;
    case 'task.edited':
      return `edited ${s(task)}${Array.isArray(detail.fields) ? `: ${detail.fields.map(s).join(', ')}` : ''}`;
    case 'commit.warned':
      return `commit warned on ${s(task)} (${s(detail.reason)})`;
    case 'mission.started':
      return `started${detail.branch ? ` on ${s(detail.branch)}` : ''}`;
    case 'mission.ended':
      return `ended (${s(detail.reason)})`;
    case 'mission.resumed':
      return 'resumed';
    case 'mission.note':
      return 'wrote handoff notes';
    case 'mission.branch':
      return `switched to ${s(detail.branch)}`;
    default:
      return kind;
  }
}

/** Missions and markers in a time window, by lane (one per agent or person). */
export function timelineData(w: UiWorld, q: TimelineQuery = {}): TimelineData {
  const now = w.now();
  const nowIso = iso(now);
  const def = q.from && q.to ? undefined : defaultWindow(w.db, now);
  const from = q.from ?? def!.from;
  const to = q.to ?? def!.to;
  const maxMissions = q.maxMissions ?? 3000;
  const maxMarkers = q.maxMarkers ?? 10_000;
  const who = q.agent
    ? q.agent.startsWith('person:')
      ? { kind: 'person' as const, name: q.agent.slice(7) }
      : { kind: 'agent' as const, name: q.agent.replace(/^agent:/, '') }
    : undefined;
  return read(w.db, () => {
    const rows = missionsInWindow(w.db, { from, to, branch: q.branch, who, task: q.task, limit: maxMissions + 1 });
    let truncated = rows.length > maxMissions;
    const missions: TimelineMission[] = rows.slice(0, maxMissions).reverse().map((m) => timelineMission(m, now, w.config));
    const byId = new Map(missions.map((m) => [m.id, m]));

    const act = eventsInWindow(w.db, { from, to, kinds: Object.keys(MARKER_KINDS) as (keyof typeof MARKER_KINDS)[], task: q.task, limit: maxMarkers + 1 });
    if (act.length > maxMarkers) truncated = true;
    const markers: Marker[] = [];
    for (const a of act.slice(0, maxMarkers)) {
      let detail: Record<string, unknown> = {};
      try {
        detail = a.detail ? (JSON.parse(a.detail) as Record<string, unknown>) : {};
      } catch {
        detail = {};
      }
      const kind = a.kind as keyof typeof MARKER_KINDS;
      if (kind === 'task.status' && detail.to !== 'COMPLETE') continue;
      const lane = a.m_kind ? laneOf({ kind: a.m_kind, agent: a.m_agent ?? '', person: a.m_person }) : `agent:${a.agent ?? 'unknown'}`;
      const branch = typeof detail.branch === 'string' ? detail.branch : a.m_branch;
      // Filters: a marker belongs to a mission shown, or (no mission) matches the filters itself.
      if (a.mission_id !== null && !byId.has(a.mission_id) && (q.agent || q.branch || q.task)) continue;
      if (a.mission_id === null && ((q.agent && lane !== (q.agent.includes(':') ? q.agent : `agent:${q.agent}`)) || (q.branch && branch !== q.branch))) continue;
      markers.push({ id: a.id, at: a.at, kind: MARKER_KINDS[kind], mission: a.mission_id, lane, task: a.task_id, text: markerText(a.kind, a.task_id, detail), branch: branch ?? null });
    }

    const laneKeys = new Set([...missions.map((m) => m.lane), ...markers.map((m) => m.lane)]);
    const lanes = [...laneKeys].sort().map((key) => laneFromKey(key));
    return { from, to, now: nowIso, lanes, missions, markers, truncated, ...filterChoices(w.db) };
  });
}

const choices = new WeakMap<Database, { key: string; agents: Lane[]; branches: string[] }>();

/**
 * Every agent, person and branch that has a mission, for the filters. Each is a scan of the
 * missions (tens of ms at 100k), so it is kept until a mission or an event is added.
 */
function filterChoices(db: Database): { agents: Lane[]; branches: string[] } {
  const key = historyMark(db);
  const hit = choices.get(db);
  if (hit?.key === key) return { agents: hit.agents, branches: hit.branches };
  const f = missionFacets(db);
  const agents = [...f.agents.map((a) => laneFromKey(`agent:${a}`)), ...f.persons.map((p) => laneFromKey(`person:${p ?? 'unknown'}`))];
  const branches = f.branches;
  const entry = { key, agents, branches };
  choices.set(db, entry);
  return { agents, branches };
}

function laneFromKey(key: string): Lane {
  const person = key.startsWith('person:');
  return { key, kind: person ? 'person' : 'agent', label: key.slice(person ? 7 : 6) };
}

// ---------------------------------------------------------------- mission page

export interface MissionData {
  mission: TimelineMission & { sessionId: string | null; worktree: string | null; handoff: string | null; summary: string | null; journal: string | null };
  holds: { task: string; since: string; title: string | null }[];
  claims: { task: string; claimedAt: string; releasedAt: string | null; reason: string | null }[];
  commits: { sha: string; at: string; branch: string | null; subject: string; tasks: string[] }[];
  checkpoint: { at?: string; trigger?: string | null; claims?: string[]; commits?: { sha: string; subject: string }[]; changedFiles?: string[] } | null;
  /** The start-up context, re-rendered now for this mission (see contextNote). */
  context: string;
  contextSource: string;
  activity: { at: string; kind: string; task: string | null; text: string }[];
}

/**
 * One mission: what it held, claimed and committed, its checkpoint and handoff, and its context.
 * The context is re-rendered with buildContext rather than stored: storing it would add a write
 * of several KB to every SessionStart (the hook with the least room in its budget) and grow the
 * database by that much per mission, while buildContext is deterministic for a database state.
 * What it cannot give back is the state of that moment, so the page says it is rendered now.
 */
export function missionData(w: UiWorld, id: number): MissionData | undefined {
  return read(w.db, () => {
    const m = getMission(w.db, id);
    if (!m) return undefined;
    const now = w.now();
    const claims = missionClaims(w.db, id);
    const commits = missionCommits(w.db, id, 200);
    let checkpoint: MissionData['checkpoint'] = null;
    try {
      checkpoint = m.checkpoint ? (JSON.parse(m.checkpoint) as MissionData['checkpoint']) : null;
    } catch {
      checkpoint = null;
    }
    const source = m.checkpoint ? 'compact' : 'startup';
    // Newest first: queryActivity gives the latest `limit` events oldest first.
    const activity = queryActivity(w.db, { missionId: id, limit: 300 }).reverse();
    return {
      mission: {
        ...timelineMission(m, now, w.config),
        sessionId: m.session_id,
        worktree: m.worktree,
        handoff: m.handoff,
        summary: m.summary,
        journal: m.journal_path,
      },
      holds: claims.filter((c) => !c.released_at).map((c) => ({ task: c.task_id, since: c.claimed_at, title: taskRow(w.db, c.task_id)?.title ?? null })),
      claims: claims.map((c) => ({ task: c.task_id, claimedAt: c.claimed_at, releasedAt: c.released_at, reason: c.release_reason })),
      commits: commits.map((c) => ({ sha: c.sha, at: c.at, branch: c.branch, subject: c.subject, tasks: safeList(c.tasks) })),
      checkpoint,
      context: buildContext({ db: w.db, config: w.config, mission: m, source, here: w.here }),
      contextSource: source,
      activity: activity.map((a) => {
        let d: Record<string, unknown> = {};
        try {
          d = a.detail ? (JSON.parse(a.detail) as Record<string, unknown>) : {};
        } catch {
          d = {};
        }
        return { at: a.at, kind: a.kind, task: a.task_id, text: markerText(a.kind, a.task_id, d) };
      }),
    };
  });
}

function safeList(s: string): string[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
}
