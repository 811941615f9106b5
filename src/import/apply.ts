import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { record } from '../activity.js';
import { presetNames, resolveConfig } from '../config/load.js';
import { SortieError, errorMessage } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { importedTarget, importedTargets, recordImport } from '../imports.js';
import { getMission, insertRecordedMission } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { findTaskFile, setFrontMatterKey, yamlString } from '../tasks/file.js';
import { assertTaskId, idRegex, idTemplate } from '../tasks/ids.js';
import { parseTask, type Task } from '../tasks/parse.js';
import { PRIORITY_LETTER } from '../tasks/status.js';
import { indexTaskFile } from '../tasks/sync.js';
import { claimTask, highestTaskNumber, taskIds, taskRow, writeTaskFile } from '../tasks/tasks.js';
import { iso } from '../time.js';
import type { World } from '../world/open.js';
import { importMessages } from './messages.js';
import type { Defect, LabelRequest, Origin, PlannedEvent, PlannedMission, PlannedTask, Skip, SourceName, SourcePlan } from './types.js';

/** A task to create: a sortie task (`id` is the one it gets here) and where it comes from. */
export interface TaskAction extends Omit<Task, 'path'> {
  key: string;
  /** Its id in the source. */
  sourceId: string;
  mapped: boolean;
  closed: string | undefined;
  body: string;
  /** `site-nine:OPR-H-0032`, written as the task's `source:`. */
  source: string;
  origin: Origin;
}

export interface MissionAction {
  key: string;
  source: string;
  mission: PlannedMission;
  /** Events of this mission that are new (its events without a key, and keyed ones not imported yet). */
  events: ResolvedEvent[];
  /** Live claims to take (provably alive holders only). */
  holds: string[];
}

export interface ResolvedEvent {
  event: PlannedEvent;
  /** The sortie task it is about, when it is one. */
  taskId: string | undefined;
  /** A mission imported by an earlier run, for events that come on their own. */
  missionId?: number | undefined;
  missionKey?: string | undefined;
}

export interface Already {
  kind: 'task' | 'mission' | 'event';
  key: string;
  target: string;
}

export interface LabelChange {
  task: string;
  path: string;
  labels: string[];
  add: string[];
  why: string[];
}

export interface IdCheck {
  pattern: string;
  /** Source ids that do not fit tasks.idPattern. */
  misfit: { key: string; id: string; origin: Origin }[];
  /** The preset whose pattern fits every id, and how to switch to it. */
  preset: { name: string; how: string } | undefined;
  mapped: { key: string; from: string; to: string }[];
  /** --apply refuses until the ids fit: a preset or --map-ids. */
  blocked: boolean;
}

export interface ResolvedPlan {
  source: SourceName;
  read: string[];
  tasks: TaskAction[];
  missions: MissionAction[];
  events: ResolvedEvent[];
  labels: LabelChange[];
  already: Already[];
  skipped: Skip[];
  defects: Defect[];
  ids: IdCheck;
}

/**
 * Decides what an import would do: which ids the tasks get, what an earlier run already brought
 * in, what collides with sortie's own tasks. Reads only.
 */
export function resolvePlan(ws: World, plan: SourcePlan, opts: { mapIds: boolean }): ResolvedPlan {
  const { db, config } = ws;
  const source = plan.source;
  const imported = (kind: Already['kind'], key: string) => importedTarget(db, source, kind, key);
  const fits = (id: string) => {
    try {
      assertTaskId(id, config);
      return true;
    } catch {
      return false;
    }
  };
  const sortieHas = (id: string) => fits(id) && (taskRow(db, id) !== undefined || findTaskFile(ws.tasksDir, id) !== undefined);

  const already: Already[] = [];
  const skipped: Skip[] = [...plan.skipped];
  const defects: Defect[] = [...plan.defects];
  const finalId = new Map<string, string>();
  const skippedKeys = new Set<string>();

  // Tasks: kept ids, ids taken by sortie's own tasks, ids that do not fit.
  const fresh: PlannedTask[] = [];
  for (const t of plan.tasks) {
    const hit = imported('task', t.key);
    if (hit !== undefined) {
      already.push({ kind: 'task', key: t.key, target: hit });
      finalId.set(t.key, hit);
    } else fresh.push(t);
  }
  const taken = new Set<string>();
  const misfit: IdCheck['misfit'] = [];
  const toMap: PlannedTask[] = [];
  const kept = new Map<string, string>();
  for (const t of fresh) {
    if (!fits(t.id)) {
      misfit.push({ key: t.key, id: t.id, origin: t.origin });
      toMap.push(t);
    } else if (sortieHas(t.id) || taken.has(t.id)) {
      if (opts.mapIds) toMap.push(t);
      else {
        skipped.push({ origin: t.origin, what: `task ${t.id}`, why: taken.has(t.id) ? importMessages.idTwiceInSource(t.id) : importMessages.idTakenHere(t.id, source) });
        skippedKeys.add(t.key);
      }
    } else {
      kept.set(t.key, t.id);
      taken.add(t.id);
    }
  }
  const mapped: IdCheck['mapped'] = [];
  if (opts.mapIds && toMap.length) {
    const prefix = config.tasks.prefix;
    const ids = idTemplate(config, prefix);
    // Clear of the index, the task files, the ids kept by this import and those of earlier imports.
    let max = highestTaskNumber(ws, ids, [...taken, ...importedTargets(db, 'task')]);
    for (const t of toMap) {
      let to = '';
      for (let n = max + 1; ; n++) {
        to = ids.fill(n, prefix, PRIORITY_LETTER[t.priority]);
        max = n;
        if (!taken.has(to) && !sortieHas(to)) break;
      }
      if (!fits(to)) {
        const m = importMessages.mappedIdMisfit(to, config.tasks.idPattern);
        throw new SortieError('CONFIG', m.message, { hint: m.hint });
      }
      taken.add(to);
      kept.set(t.key, to);
      mapped.push({ key: t.key, from: t.id, to });
    }
  }
  for (const [k, v] of kept) finalId.set(k, v);

  const blocked = misfit.length > 0 && !opts.mapIds;
  const ids: IdCheck = {
    pattern: config.tasks.idPattern,
    misfit,
    preset: blocked ? suggestPreset(ws, fresh.map((t) => t.id)) : undefined,
    mapped,
    blocked,
  };

  const planKeys = new Set(plan.tasks.map((t) => t.key));
  /** A reference to a task: a key of this source, or an id sortie already has. */
  const taskRef = (ref: string | undefined): string | undefined => {
    if (ref === undefined) return undefined;
    if (finalId.has(ref)) return finalId.get(ref);
    if (planKeys.has(ref)) return blocked && !skippedKeys.has(ref) ? ref : undefined;
    return sortieHas(ref) ? ref : undefined;
  };

  const tasks: TaskAction[] = [];
  for (const t of fresh) {
    if (skippedKeys.has(t.key)) continue;
    const id = finalId.get(t.key) ?? t.id;
    const deps: string[] = [];
    for (const d of t.dependsOn) {
      const to = taskRef(d);
      if (to !== undefined) deps.push(to);
      else defects.push({ origin: t.origin, ...importMessages.lostDependency(t.id, d) });
    }
    tasks.push({
      key: t.key,
      sourceId: t.id,
      id,
      mapped: id !== t.id,
      title: t.title,
      status: t.status,
      priority: t.priority,
      role: t.role,
      labels: [...new Set(t.labels)],
      dependsOn: [...new Set(deps)].filter((d) => d !== id),
      created: t.created,
      closed: t.closed,
      body: t.body,
      source: `${source}:${t.key}`,
      origin: t.origin,
    });
  }

  // Missions, and the history that comes with them.
  const missionIds = new Map<string, number>();
  const missions: MissionAction[] = [];
  const events: ResolvedEvent[] = [];
  const newEvent = (e: PlannedEvent): boolean => {
    if (e.key === undefined) return true;
    const hit = imported('event', e.key);
    if (hit !== undefined) already.push({ kind: 'event', key: e.key, target: hit });
    return hit === undefined;
  };
  const resolveEvent = (e: PlannedEvent): ResolvedEvent => {
    const taskId = taskRef(e.task);
    return { event: taskId === undefined && e.task !== undefined ? { ...e, work: e.work ?? e.task, task: undefined } : e, taskId };
  };
  for (const m of [...plan.missions].sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0))) {
    const hit = imported('mission', m.key);
    if (hit !== undefined) {
      already.push({ kind: 'mission', key: m.key, target: hit });
      missionIds.set(m.key, Number(hit));
      // Keyed events added to the source since: they come on their own, on the imported mission.
      for (const e of m.events) if (e.key !== undefined && newEvent(e)) events.push({ ...resolveEvent(e), missionId: Number(hit) });
      continue;
    }
    const evs = m.events.filter(newEvent).map(resolveEvent);
    const holds = m.endedAt === undefined ? m.holds.map((h) => taskRef(h)).filter((h): h is string => h !== undefined) : [];
    missions.push({ key: m.key, source: `${source}:${m.key}`, mission: m, events: evs, holds });
  }
  for (const e of plan.events) {
    if (!newEvent(e)) continue;
    const r = resolveEvent(e);
    events.push({ ...r, missionId: e.mission ? missionIds.get(e.mission) : undefined, missionKey: e.mission });
  }

  // Labels for tasks sortie already has.
  const byTask = new Map<string, LabelRequest[]>();
  for (const l of plan.labels) byTask.set(l.task, [...(byTask.get(l.task) ?? []), l]);
  const labels: LabelChange[] = [];
  for (const [task, reqs] of byTask) {
    const row = fits(task) ? taskRow(db, task) : undefined;
    if (!row) continue;
    const have = JSON.parse(row.labels) as string[];
    const add = [...new Set(reqs.flatMap((r) => r.add))].filter((l) => !have.includes(l));
    if (add.length) labels.push({ task, path: row.path, labels: have, add, why: [...new Set(reqs.map((r) => r.why))] });
  }

  return { source, read: plan.read, tasks, missions, events, labels, already, skipped, defects, ids };
}

/** A preset whose id pattern fits every id of the source and every task sortie already has. */
function suggestPreset(ws: World, sourceIds: string[]): IdCheck['preset'] {
  const existing = taskIds(ws.db);
  for (const name of presetNames()) {
    const cfg = resolveConfig({ extends: name }, `preset ${name}`);
    if (cfg.tasks.idPattern === ws.config.tasks.idPattern) continue;
    const re = idRegex(cfg);
    if (sourceIds.length && sourceIds.every((id) => re.test(id)) && existing.every((id) => re.test(id))) {
      return { name, how: importMessages.switchPreset(name, ws.configFile ? relative(ws.repo.root, ws.configFile) || ws.configFile : undefined) };
    }
  }
  return undefined;
}

export interface ApplyResult {
  tasks: { key: string; id: string; path: string }[];
  missions: { key: string; id: number; codename: string }[];
  events: number;
  labels: { task: string; add: string[] }[];
  claims: { task: string; mission: number }[];
  unclaimed: { task: string; mission: number; why: string }[];
}

/**
 * Writes what the resolved plan says: task files first (each created exclusively), then every
 * database row in one transaction. If anything fails, the files this run created are removed and
 * the files it changed are put back, and the transaction rolls back: nothing half-written stays.
 */
export function applyPlan(ws: World, r: ResolvedPlan, now: Date): ApplyResult {
  if (r.ids.blocked) {
    const m = importMessages.idsBlockApply(r.source, r.ids.pattern, r.ids.misfit.map((x) => x.id), r.ids.preset);
    throw new SortieError('CONFIG', m.message, { hint: m.hint, data: { misfit: r.ids.misfit.map((x) => x.id), preset: r.ids.preset?.name ?? null } });
  }
  const { db, config } = ws;
  const at = iso(now);
  const created: string[] = [];
  const changed = new Map<string, string>();
  const result: ApplyResult = { tasks: [], missions: [], events: 0, labels: [], claims: [], unclaimed: [] };
  const live: { task: string; mission: number }[] = [];
  try {
    if (r.tasks.length) mkdirSync(ws.tasksDir, { recursive: true });
    for (const t of r.tasks) {
      const path = writeTaskFile(ws.tasksDir, { ...t, source: t.source });
      if (path === undefined) {
        const m = importMessages.taskFileAppeared(t.id, r.source);
        throw new SortieError('TASK_EXISTS', m.message, { hint: m.hint, data: { task: t.id } });
      }
      created.push(path);
      result.tasks.push({ key: t.key, id: t.id, path });
    }
    for (const l of r.labels) {
      const text = readFileSync(l.path, 'utf8');
      changed.set(l.path, text);
      writeFileAtomic(l.path, setFrontMatterKey(text, 'labels', `[${[...l.labels, ...l.add].map(yamlString).join(', ')}]`));
      result.labels.push({ task: l.task, add: l.add });
    }
    // write() may run its function again (SQLITE_BUSY): what it collects starts afresh each time.
    const rows = write(db, () => {
      const missions: ApplyResult['missions'] = [];
      const holds: { task: string; mission: number }[] = [];
      let events = 0;
      for (const t of result.tasks) {
        const action = r.tasks.find((x) => x.key === t.key)!;
        const task = parseTask(readFileSync(t.path, 'utf8'), t.path, config);
        indexTaskFile(db, task, now);
        record(db, { kind: 'task.created', at: action.created ?? at, taskId: task.id, detail: { title: task.title, source: action.source } });
        recordImport(db, { source: r.source, sourceId: t.key, kind: 'task', target: t.id, at });
      }
      for (const l of r.labels) indexTaskFile(db, parseTask(readFileSync(l.path, 'utf8'), l.path, config), now);
      const missionIds = new Map<string, number>();
      for (const a of r.missions) {
        const m = a.mission;
        const parent = m.parentKey ? (missionIds.get(m.parentKey) ?? importedTarget(db, r.source, 'mission', m.parentKey)) : undefined;
        const row = insertRecordedMission(db, {
          agent: m.agent,
          codename: m.codename,
          persona: m.persona,
          role: m.role,
          source: a.source,
          sessionId: m.sessionId,
          worktree: m.worktree,
          branch: m.branch,
          pid: m.endedAt === undefined ? m.pid : undefined,
          parentId: parent === undefined ? undefined : Number(parent),
          startedAt: m.startedAt,
          lastSeenAt: m.lastSeenAt,
          endedAt: m.endedAt,
          endReason: m.endReason,
          handoff: m.handoff,
          summary: m.summary,
        });
        missionIds.set(a.key, row.id);
        recordImport(db, { source: r.source, sourceId: a.key, kind: 'mission', target: String(row.id), at });
        missions.push({ key: a.key, id: row.id, codename: row.codename });
        for (const e of a.events) writeEvent(db, r.source, e, row.id, row.agent, at), events++;
        for (const task of a.holds) holds.push({ task, mission: row.id });
      }
      for (const e of r.events) {
        const missionId = e.missionId ?? (e.missionKey ? missionIds.get(e.missionKey) : undefined);
        writeEvent(db, r.source, e, missionId, e.event.agent, at);
        events++;
      }
      return { missions, holds, events };
    });
    result.missions = rows.missions;
    result.events = rows.events;
    live.push(...rows.holds);
  } catch (e) {
    for (const p of created) rmSync(p, { force: true });
    for (const [p, text] of changed) writeFileAtomic(p, text);
    throw e;
  }
  // A live mission (its agent provably running) claims what it holds, the way any claim is made;
  // the import itself is complete before this, and a claim that cannot be made is reported.
  for (const l of live) {
    try {
      claimTask(ws, getMission(db, l.mission)!, l.task, now);
      result.claims.push(l);
    } catch (e) {
      result.unclaimed.push({ ...l, why: errorMessage(e) });
    }
  }
  return result;
}

function writeEvent(
  db: Database,
  source: string,
  r: ResolvedEvent,
  missionId: number | undefined,
  agent: string | undefined,
  at: string,
): void {
  const e = r.event;
  record(db, {
    kind: e.kind,
    at: e.at,
    missionId: missionId ?? null,
    agent: agent ?? e.agent ?? null,
    taskId: r.taskId ?? null,
    detail: { source, work: e.work, note: e.note, reason: e.reason },
  });
  if (e.key !== undefined) recordImport(db, { source, sourceId: e.key, kind: 'event', target: r.taskId ?? e.work ?? String(missionId ?? ''), at });
}
