import type { SortieConfig } from '../config/types.js';
import type { Env } from '../git.js';
import type { Priority, Status } from '../tasks/status.js';
import type { FileHistory } from './read.js';

/**
 * The neutral plan every source is parsed into. Parsing reads the source and nothing else; the
 * shared resolver (apply.ts) then decides ids, what was imported before and what to skip, and only
 * `--apply` writes. Keys are the source's own ids, stable across runs: they go into the `imports`
 * table, which is what makes a second run add nothing.
 */

export const SOURCES = ['site-nine', 'overstory', 'sessions', 'taskr', 'workstreams'] as const;
export type SourceName = (typeof SOURCES)[number];

/** Where a record was read: an absolute path, and the table row or the line in it. */
export interface Origin {
  path: string;
  row?: string | undefined;
  line?: number | undefined;
}

export interface PlannedTask {
  /** The source's id for it, unique within the source (`imports.source_id`). */
  key: string;
  /** Its id in the source, kept when it fits `tasks.idPattern`. */
  id: string;
  title: string;
  status: Status;
  priority: Priority;
  role?: string | undefined;
  labels: string[];
  /** Keys of other tasks of this source, or ids of tasks sortie already has. */
  dependsOn: string[];
  created?: string | undefined;
  closed?: string | undefined;
  body: string;
  origin: Origin;
}

/** A line of history: a claim, a release or a handoff note, at the time the source recorded it. */
export interface PlannedEvent {
  kind: 'task.claimed' | 'task.released' | 'task.handoff';
  at: string;
  /** Key of a task of this source, or the id of a task sortie already has. */
  task?: string | undefined;
  /** A work item that is no sortie task (taskr's `owner/repo#15`, an overstory bead). */
  work?: string | undefined;
  note?: string | undefined;
  reason?: string | undefined;
  /** Its own id in the source, when it has one: then it is imported once, even on its own. */
  key?: string | undefined;
  /** The mission it belongs to, for events that are not listed under one. */
  mission?: string | undefined;
  agent?: string | undefined;
  origin?: Origin | undefined;
}

export interface PlannedMission {
  key: string;
  origin: Origin;
  agent: string;
  codename?: string | undefined;
  persona?: string | undefined;
  role?: string | undefined;
  sessionId?: string | undefined;
  branch?: string | undefined;
  worktree?: string | undefined;
  startedAt: string;
  lastSeenAt: string;
  /** Undefined only when the agent is provably alive (a pid that is still running): it stays live. */
  endedAt?: string | undefined;
  endReason?: string | undefined;
  pid?: number | undefined;
  handoff?: string | undefined;
  summary?: string | undefined;
  /** Key of the mission that started this one (overstory's parent agent). */
  parentKey?: string | undefined;
  events: PlannedEvent[];
  /** Tasks a live mission holds: they become live claims. */
  holds: string[];
}

/** A record that is not imported, and why. */
export interface Skip {
  origin: Origin;
  what: string;
  why: string;
}

/** A known defect of the source met in this data, and what the importer did about it. */
export interface Defect {
  origin: Origin;
  defect: string;
  handled: string;
}

/** Labels to add to a task sortie already has (an overstory run on the bead it worked on). */
export interface LabelRequest {
  task: string;
  add: string[];
  why: string;
  origin: Origin;
}

export interface SourcePlan {
  source: SourceName;
  /** The files that were read. */
  read: string[];
  tasks: PlannedTask[];
  missions: PlannedMission[];
  /** Events that belong to no mission of this plan. */
  events: PlannedEvent[];
  labels: LabelRequest[];
  skipped: Skip[];
  defects: Defect[];
}

/** What a source parser gets: the repository, the world, and the file history helper. */
export interface ReadContext {
  root: string;
  env: Env;
  now: Date;
  config: SortieConfig;
  history: FileHistory;
}

export interface Source {
  /** Where the source usually keeps its data in a repository, first match wins. */
  locate(ctx: ReadContext): string[];
  /** What `locate` looked for, for the message when nothing is found. */
  looked: string[];
  plan(ctx: ReadContext, paths: string[]): SourcePlan | Promise<SourcePlan>;
}

export function emptyPlan(source: SourceName): SourcePlan {
  return { source, read: [], tasks: [], missions: [], events: [], labels: [], skipped: [], defects: [] };
}
