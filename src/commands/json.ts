import { isAbsolute, relative, sep } from 'node:path';
import type { ActivityRow } from '../activity.js';
import type { Database } from '../store/open.js';
import type { MissionRow, Reaped, CommitRow } from '../missions/missions.js';
import type { Task } from '../tasks/parse.js';
import { claimsOf, liveClaim } from '../tasks/tasks.js';
import type { TaskOrigin } from '../tasks/effective.js';
import type { Status } from '../tasks/status.js';

/**
 * The `--json` contract: one shape per kind of object, built here and nowhere else, so every
 * command says a task, a mission, a claim... the same way. Field names are camelCase, paths are
 * relative to the repository root (with `/`), lists are arrays, absent values are null. The shapes
 * are written down in schema/sortie.schema.json (the tests validate every command's output against
 * it); a new command builds its output from these functions and adds its envelope there.
 */

/** A path relative to the repository root, with `/` (a path outside it stays absolute). */
export function repoPath(root: string, p: string): string {
  const abs = isAbsolute(p) ? p : p;
  const r = relative(root, abs);
  return r && !r.startsWith('..') && !isAbsolute(r) ? r.split(sep).join('/') : p;
}

export interface ClaimJson {
  task: string;
  mission: number;
  codename: string;
  agent: string;
  since: string;
}

export interface TaskJson {
  id: string;
  title: string;
  status: string;
  priority: string;
  role: string | null;
  labels: string[];
  dependsOn: string[];
  created: string | null;
  /** null: this checkout has no file for the task (it is on another branch). */
  path: string | null;
  holder: ClaimJson | null;
  body?: string;
  /** Where the task's state comes from when it is not this checkout's own file; null: from here. */
  origin?: OriginJson | null;
}

export interface OriginJson {
  /** The branch the state was seen on, or recorded from. */
  branch: string;
  /** The worktree it was seen in: a place on this machine, so absolute; null when it is a branch not checked out. */
  worktree: string | null;
  /** false: this checkout's files do not say so (yet). */
  merged: boolean;
  /** The status this checkout's own file gives the task; null when it has no file for it. */
  here: Status | null;
}

/** Where a task's state comes from (tasks/effective.ts originFor), every field present. */
export function originJson(o: TaskOrigin): OriginJson {
  return { branch: o.branch, worktree: o.worktree ?? null, merged: o.merged !== false, here: o.here ?? null };
}

/**
 * Which tasks this checkout has a file for (its task folder is `tasksDir`), read once: a task
 * without one is shown with `path: null`.
 */
export function filesHere(db: Database, tasksDir: string): (id: string) => boolean {
  const ids = new Set(db.prepare('SELECT id FROM task_files WHERE source = ? AND status IS NOT NULL').pluck().all(tasksDir) as string[]);
  return (id) => ids.has(id);
}

export function claimJson(task: string, m: Pick<MissionRow, 'id' | 'codename' | 'agent'>, since: string): ClaimJson {
  return { task, mission: m.id, codename: m.codename, agent: m.agent, since };
}

/**
 * A task; its holder is looked up unless given (listTasks has it already). `shared.here` false:
 * this checkout has no file for it (path null); `shared.origin` given: the `origin` field is set
 * (null when the state is this checkout's own); `shared.body`: the markdown body is included
 * (task show), never by accident of the task having been read from its file.
 */
export function taskJson(
  db: Database,
  root: string,
  t: Task & { body?: string },
  holder?: { codename: string; agent: string; mission: number; since: string } | null,
  shared?: { origin?: TaskOrigin | null | undefined; here?: boolean; body?: boolean },
): TaskJson {
  let h: ClaimJson | null;
  if (holder !== undefined) h = holder ? { task: t.id, mission: holder.mission, codename: holder.codename, agent: holder.agent, since: holder.since } : null;
  else {
    const live = liveClaim(db, t.id);
    h = live ? claimJson(t.id, live.mission, live.claimed_at) : null;
  }
  const out: TaskJson = {
    id: t.id,
    title: t.title,
    status: t.status,
    priority: t.priority,
    role: t.role ?? null,
    labels: [...t.labels],
    dependsOn: [...t.dependsOn],
    created: t.created ?? null,
    path: shared?.here === false ? null : repoPath(root, t.path),
    holder: h,
  };
  if (shared?.body) out.body = t.body ?? '';
  if (shared && 'origin' in shared) out.origin = shared.origin ? originJson(shared.origin) : null;
  return out;
}

/** The notes for whoever picks a task up (tasks.pickupNote): from the codename that left them; null: there are none. */
export function handoffJson(n: { note: string; from: string | null; at: string } | undefined): { note: string; from: string | null; at: string } | null {
  return n ? { note: n.note, from: n.from, at: n.at } : null;
}

export interface MissionJson {
  id: number;
  codename: string;
  kind: 'agent' | 'person';
  agent: string;
  person: string | null;
  sessionId: string | null;
  branch: string | null;
  /** The worktree the mission worked in: a place on this machine, so absolute (the one exception). */
  worktree: string | null;
  pid: number | null;
  startedAt: string;
  lastSeenAt: string;
  endedAt: string | null;
  endReason: string | null;
  handoff: string | null;
  summary: string | null;
  /** Where an imported mission came from (`site-nine:mission/38`); null for sortie's own. */
  source: string | null;
  persona: string | null;
  role: string | null;
  claims: ClaimJson[];
}

export function missionJson(db: Database, m: MissionRow): MissionJson {
  return {
    id: m.id,
    codename: m.codename,
    kind: m.kind,
    agent: m.agent,
    person: m.person,
    sessionId: m.session_id,
    branch: m.branch,
    worktree: m.worktree,
    pid: m.pid,
    startedAt: m.started_at,
    lastSeenAt: m.last_seen_at,
    endedAt: m.ended_at,
    endReason: m.end_reason,
    handoff: m.handoff,
    summary: m.summary,
    source: m.source,
    persona: m.persona,
    role: m.role,
    claims: claimsOf(db, m.id).map((c) => claimJson(c.task_id, m, c.claimed_at)),
  };
}

function parsed(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { text };
  }
}

export function activityJson(a: ActivityRow): Record<string, unknown> {
  return { id: a.id, at: a.at, kind: a.kind, mission: a.mission_id, agent: a.agent, task: a.task_id, detail: parsed(a.detail) };
}

export function commitJson(c: CommitRow): Record<string, unknown> {
  const tasks = parsed(c.tasks);
  return { sha: c.sha, subject: c.subject, at: c.at, tasks: Array.isArray(tasks) ? tasks : [] };
}

export function reapedJson(r: Reaped): Record<string, unknown> {
  return { mission: r.id, codename: r.codename, agent: r.agent, reason: r.reason, endedAt: r.endedAt, released: [...r.released] };
}

export function problemJson(root: string, p: { path: string; line: number | undefined; message: string }): Record<string, unknown> {
  return { path: repoPath(root, p.path), line: p.line ?? null, message: p.message };
}

export function changeJson(root: string, c: { file: string; action: string; detail: string }): Record<string, unknown> {
  return { file: repoPath(root, c.file), action: c.action, detail: c.detail };
}

export function findingJson(f: { check: string; level: string; message: string; fix?: string | undefined }): Record<string, unknown> {
  return { check: f.check, level: f.level, message: f.message, fix: f.fix ?? null };
}

export interface TrustJson {
  /** true: the agent will run sortie's hooks; false: it will not; null: sortie cannot tell. */
  trusted: boolean | null;
  message: string;
  fix: string | null;
  /** What `init --trust` changed in the user's own agent config, one line each. */
  applied: string[];
}

export function trustJson(t: { trusted: boolean | undefined; message: string; fix?: string | undefined; applied?: string[] }): TrustJson {
  return { trusted: t.trusted ?? null, message: t.message, fix: t.fix ?? null, applied: [...(t.applied ?? [])] };
}

/** An agent init set up: what in the repository showed it is used, and its trust gate (null: it has none, or a dry run). */
export function agentJson(name: string, found: string[], trust: Parameters<typeof trustJson>[0] | undefined): Record<string, unknown> {
  return { name, found: found.map((p) => p.split(sep).join('/')), trust: trust ? trustJson(trust) : null };
}

/** `status --json`'s `shared`: the remote claims are shared through and how fresh this clone's cache of them is. */
export function sharedJson(remote: string, fetchedAt: string | undefined, error: string | undefined): { remote: string; fetchedAt: string | null; error: string | null } {
  return { remote, fetchedAt: fetchedAt ?? null, error: error ?? null };
}
