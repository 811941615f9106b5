import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Status } from '../tasks/status.js';
import { isoOf, latest, line, str, text } from './read.js';
import { emptyPlan, type Origin, type PlannedMission, type PlannedTask, type ReadContext, type Source, type SourcePlan } from './types.js';

/**
 * workstreams (`@agenv/workstreams`, the `work` CLI): `work/<stream-id>/tasks.json` = `{ version,
 * stream_id, last_updated, tasks: [{ id "SS.BB.TT.NN", name, thread_name, batch_name, stage_name,
 * created_at, updated_at, status pending/in_progress/completed/blocked/cancelled, report,
 * assigned_agent, sessions?: SessionRecord[], currentSessionId? }] }`; later versions move the
 * sessions to `work/<stream-id>/threads.json` = `{ threads: [{ threadId "SS.BB.TT", sessions,
 * currentSessionId, githubIssue }] }`. A SessionRecord is `{ sessionId, agentName, model,
 * startedAt, completedAt?, status running/completed/failed/interrupted, exitCode? }`: one opencode
 * run of a thread.
 *
 * Batches run one after the other and the threads of a batch in parallel, so each task depends
 * on the tasks of the batch before it. Streams and threads become labels (`stream:<id>`,
 * `thread:<SS.BB.TT>`). Task ids like 01.01.02.03 fit no sortie pattern: --map-ids.
 */
export const workstreams: Source = {
  looked: ['work/*/tasks.json', 'work/*/threads.json'],
  locate(ctx) {
    const dir = join(ctx.root, 'work');
    return streamDirs(dir).length ? [dir] : [];
  },
  plan: planWorkstreams,
};

const TASK_STATUS: Record<string, Status> = { pending: 'TODO', in_progress: 'UNDERWAY', completed: 'COMPLETE', blocked: 'BLOCKED', cancelled: 'ABORTED' };
const SESSION_END: Record<string, string | undefined> = { running: undefined, completed: 'completed', failed: 'failed', interrupted: 'interrupted' };

function streamDirs(workDir: string): string[] {
  try {
    return readdirSync(workDir)
      .sort()
      .map((n) => join(workDir, n))
      .filter((d) => statSync(d).isDirectory() && (existsSync(join(d, 'tasks.json')) || existsSync(join(d, 'threads.json'))));
  } catch {
    return [];
  }
}

interface Json {
  data: Record<string, unknown> | undefined;
  path: string;
}

function readJson(plan: SourcePlan, path: string): Json {
  if (!existsSync(path)) return { data: undefined, path };
  plan.read.push(path);
  const content = readFileSync(path, 'utf8');
  try {
    const v = JSON.parse(content) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      plan.skipped.push({ origin: { path }, what: basename(path), why: 'not a JSON object' });
      return { data: undefined, path };
    }
    return { data: v as Record<string, unknown>, path };
  } catch (e) {
    const pos = /position (\d+)/.exec((e as Error).message)?.[1];
    const lineNo = /line (\d+)/.exec((e as Error).message)?.[1];
    plan.skipped.push({
      origin: { path, line: lineNo ? Number(lineNo) : pos ? content.slice(0, Number(pos)).split('\n').length : undefined },
      what: basename(path),
      why: `not valid JSON (${(e as Error).message}); nothing from this file is imported`,
    });
    return { data: undefined, path };
  }
}

interface SessionRecord {
  sessionId: string;
  agentName: string | undefined;
  model: string | undefined;
  startedAt: string | undefined;
  completedAt: string | undefined;
  status: string | undefined;
  exitCode: number | undefined;
  origin: Origin;
  from: 'threads.json' | 'tasks.json';
}

function session(raw: unknown, origin: Origin, from: SessionRecord['from']): SessionRecord | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const s = raw as Record<string, unknown>;
  const sessionId = str(s.sessionId);
  if (!sessionId) return undefined;
  return {
    sessionId,
    agentName: line(s.agentName),
    model: line(s.model),
    startedAt: isoOf(s.startedAt),
    completedAt: isoOf(s.completedAt),
    status: str(s.status)?.toLowerCase(),
    exitCode: typeof s.exitCode === 'number' ? s.exitCode : undefined,
    origin,
    from,
  };
}

function planWorkstreams(_ctx: ReadContext, paths: string[]): SourcePlan {
  const plan = emptyPlan('workstreams');
  const given = paths[0]!;
  const dirs = statSync(given).isDirectory()
    ? existsSync(join(given, 'tasks.json')) || existsSync(join(given, 'threads.json'))
      ? [given]
      : streamDirs(existsSync(join(given, 'work')) ? join(given, 'work') : given)
    : [dirname(given)];
  for (const dir of dirs) planStream(plan, dir);
  return plan;
}

function planStream(plan: SourcePlan, dir: string): void {
  const tasksFile = readJson(plan, join(dir, 'tasks.json'));
  const threadsFile = readJson(plan, join(dir, 'threads.json'));
  const stream = str(tasksFile.data?.stream_id) ?? str(threadsFile.data?.stream_id) ?? basename(dir);
  const rawTasks = Array.isArray(tasksFile.data?.tasks) ? (tasksFile.data!.tasks as Record<string, unknown>[]) : [];
  if (tasksFile.data && !Array.isArray(tasksFile.data.tasks)) plan.skipped.push({ origin: { path: tasksFile.path }, what: 'tasks', why: 'no "tasks" array' });

  // Tasks, and the batch order that makes their dependencies.
  const tasks: PlannedTask[] = [];
  const byThread = new Map<string, { task: PlannedTask; updated: string | undefined }[]>();
  const byBatch = new Map<string, string[]>();
  rawTasks.forEach((t, i) => {
    const origin: Origin = { path: tasksFile.path, row: `tasks[${i}]` };
    const id = str(t?.id);
    const parts = id?.split('.') ?? [];
    if (!id || parts.length !== 4 || parts.some((p) => !/^\d+$/.test(p))) {
      plan.skipped.push({ origin, what: `task ${id ?? '?'}`, why: 'its id is not stage.batch.thread.task (01.01.02.03)' });
      return;
    }
    const s = str(t.status)?.toLowerCase() ?? 'pending';
    const status = TASK_STATUS[s];
    if (!status) {
      plan.skipped.push({ origin, what: `task ${id}`, why: `unknown status "${s}" (workstreams' are ${Object.keys(TASK_STATUS).join(', ')})` });
      return;
    }
    const thread = parts.slice(0, 3).join('.');
    const batch = parts.slice(0, 2).join('.');
    const body = [
      [`Stage ${parts[0]}: ${line(t.stage_name) ?? ''}`, `Batch ${batch}: ${line(t.batch_name) ?? ''}`, `Thread ${thread}: ${line(t.thread_name) ?? ''}`].join('  \n'),
      text(t.report) ? `## Report\n\n${text(t.report)}` : undefined,
      text(t.breadcrumb) ? `Breadcrumb: ${line(t.breadcrumb, 300)}` : undefined,
      str(t.assigned_agent) ? `Assigned agent: ${line(t.assigned_agent)}` : undefined,
    ]
      .filter(Boolean)
      .join('\n\n');
    const task: PlannedTask = {
      key: `${stream}/${id}`,
      id,
      title: line(t.name) ?? `${stream} ${id}`,
      status,
      priority: 'medium',
      labels: [`stream:${stream}`, `thread:${thread}`],
      dependsOn: [],
      created: isoOf(t.created_at),
      closed: status === 'COMPLETE' || status === 'ABORTED' ? isoOf(t.updated_at) : undefined,
      body,
      origin,
    };
    tasks.push(task);
    byThread.set(thread, [...(byThread.get(thread) ?? []), { task, updated: isoOf(t.updated_at) }]);
    byBatch.set(batch, [...(byBatch.get(batch) ?? []), task.key]);
  });
  const batches = [...byBatch.keys()].sort();
  for (const t of tasks) {
    const batch = t.id.split('.').slice(0, 2).join('.');
    const prev = batches[batches.indexOf(batch) - 1];
    if (prev) t.dependsOn = byBatch.get(prev)!;
  }
  if (tasks.some((t) => t.closed)) {
    plan.defects.push({ origin: { path: tasksFile.path }, defect: 'tasks record no completion time', handled: 'a completed or cancelled task is closed at its updated_at' });
  }
  plan.tasks.push(...tasks);

  // Sessions: threads.json is where they live now; tasks.json still has them on each task of a
  // thread in older streams, or after a migration that did not clear them.
  const sessions = new Map<string, { s: SessionRecord; thread: string }>();
  const current = new Map<string, string>();
  const threads = Array.isArray(threadsFile.data?.threads) ? (threadsFile.data!.threads as Record<string, unknown>[]) : [];
  threads.forEach((th, i) => {
    const thread = str(th?.threadId);
    if (!thread) return;
    const cur = str(th.currentSessionId);
    if (cur) current.set(thread, cur);
    const list = Array.isArray(th.sessions) ? th.sessions : [];
    list.forEach((raw, j) => {
      const s = session(raw, { path: threadsFile.path, row: `threads[${i}].sessions[${j}]` }, 'threads.json');
      if (s) sessions.set(s.sessionId, { s, thread });
      else plan.skipped.push({ origin: { path: threadsFile.path, row: `threads[${i}].sessions[${j}]` }, what: 'session record', why: 'no sessionId' });
    });
  });
  rawTasks.forEach((t, i) => {
    const id = str(t?.id);
    if (!id || !Array.isArray(t.sessions)) return;
    const thread = id.split('.').slice(0, 3).join('.');
    const cur = str(t.currentSessionId);
    if (cur && !current.has(thread)) current.set(thread, cur);
    (t.sessions as unknown[]).forEach((raw, j) => {
      const s = session(raw, { path: tasksFile.path, row: `tasks[${i}].sessions[${j}]` }, 'tasks.json');
      if (!s) return;
      const have = sessions.get(s.sessionId);
      if (!have) {
        if (threads.length) plan.defects.push({ origin: s.origin, defect: `session ${s.sessionId} is only in tasks.json, not in threads.json`, handled: 'imported from tasks.json' });
        sessions.set(s.sessionId, { s, thread });
        return;
      }
      if (have.s.from === 'tasks.json') return; // the same record on another task of the thread
      const newer = (s.completedAt ?? s.startedAt ?? '') > (have.s.completedAt ?? have.s.startedAt ?? '');
      if (newer) {
        plan.defects.push({ origin: s.origin, defect: `session ${s.sessionId} is in threads.json and tasks.json, and the tasks.json copy is newer`, handled: 'the tasks.json copy is used' });
        sessions.set(s.sessionId, { s, thread });
      }
    });
  });
  for (const [thread, cur] of current) {
    if (![...sessions.values()].some((x) => x.s.sessionId === cur)) {
      plan.defects.push({ origin: { path: threadsFile.data ? threadsFile.path : tasksFile.path }, defect: `thread ${thread}'s currentSessionId ${cur} names no session record`, handled: 'ignored' });
    }
  }

  // Each session: one mission, claiming its thread's tasks while it ran.
  const ordered = [...sessions.values()].sort((a, b) => ((a.s.startedAt ?? '') < (b.s.startedAt ?? '') ? -1 : 1));
  for (const { s, thread } of ordered) {
    if (!s.startedAt) {
      plan.skipped.push({ origin: s.origin, what: `session ${s.sessionId}`, why: 'no valid startedAt' });
      continue;
    }
    if (!s.status || !(s.status in SESSION_END)) {
      plan.skipped.push({ origin: s.origin, what: `session ${s.sessionId}`, why: `unknown status "${s.status ?? ''}" (running, completed, failed or interrupted)` });
      continue;
    }
    const threadTasks = byThread.get(thread) ?? [];
    const next = ordered.find((x) => x.thread === thread && (x.s.startedAt ?? '') > s.startedAt!);
    const name = threadTasks[0]?.task.body.match(/Thread [\d.]+: (.*)$/m)?.[1];
    const done = threadTasks.filter((t) => t.task.status === 'COMPLETE').length;
    const m: PlannedMission = {
      key: `${stream}/${thread}/${s.sessionId}`,
      origin: s.origin,
      agent: 'opencode',
      persona: s.agentName,
      sessionId: s.sessionId,
      startedAt: s.startedAt,
      lastSeenAt: s.startedAt,
      summary: [
        `workstream ${stream}, thread ${thread}${name ? ` (${name})` : ''}: ${done}/${threadTasks.length} tasks completed`,
        s.model ? `model ${s.model}` : undefined,
        s.exitCode !== undefined ? `exit code ${s.exitCode}` : undefined,
      ]
        .filter(Boolean)
        .join('; '),
      events: [],
      holds: [],
    };
    const reason = SESSION_END[s.status];
    if (reason && s.completedAt) {
      m.endedAt = latest(s.startedAt, s.completedAt)!;
      m.endReason = reason;
    } else {
      // Running for ever (a crash, a closed terminal), or done without a completion time: its
      // last sign of life is the last update of its thread's tasks before the next session began.
      const cap = next?.s.startedAt;
      const updates = threadTasks.map((t) => t.updated).filter((u): u is string => Boolean(u && u >= s.startedAt! && (!cap || u <= cap)));
      const sign = latest(s.startedAt, ...updates)!;
      m.endedAt = sign;
      m.endReason = reason ?? 'abandoned';
      plan.defects.push({
        origin: s.origin,
        defect: reason ? `status ${s.status} without completedAt` : 'left running for ever (no process is recorded to check)',
        handled: `${reason ? 'ended' : 'closed as abandoned'} at its last sign of life, ${sign} (${sign === s.startedAt ? 'its start' : "its thread's last task update"})`,
      });
    }
    m.lastSeenAt = m.endedAt;
    for (const t of threadTasks) {
      m.events.push({ kind: 'task.claimed', at: s.startedAt, task: t.task.key, reason: 'workstreams session' });
      m.events.push({ kind: 'task.released', at: m.endedAt!, task: t.task.key, reason: m.endReason });
    }
    plan.missions.push(m);
  }
}
