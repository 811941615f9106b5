import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { queryActivity } from '../activity.js';
import { resolveActor } from '../missions/identity.js';
import { identityHints } from '../agents/index.js';
import { reapMissions } from '../missions/missions.js';
import { STATUSES, TERMINAL, isStatus, type Status } from '../tasks/status.js';
import { changeTask, claimTask, createTask, listTasks, liveClaim, readTask, type StatusVerb } from '../tasks/tasks.js';
import { colors, forTerminal, forTerminal as term, forTerminalBlock, print, printJson, table } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld, type World } from '../world/open.js';
import { activityJson, taskJson } from './json.js';
import { relative } from 'node:path';

/** Every task command starts from an index in step with the files (synced at opening); it reports the files it skipped. */
export const TASKS = { sync: 'full', catchUp: true } as const;
/** The reading ones also work on a database this process cannot write, and wait little on a lock. */
export const READ_TASKS = { ...TASKS, access: 'read' } as const;

/** What a reading command could not bring up to date, said once on stderr. */
export function reportStale(w: World, ctx: Ctx): void {
  if (w.stale) ctx.stderr.write(commandMessages.stale(colors({ env: ctx.env, stdout: ctx.stderr }), forTerminal(w.stale, 600)));
}

export function reportSkipped(w: World, ctx: Ctx): void {
  reportStale(w, ctx);
  const problems = w.synced?.problems ?? [];
  if (problems.length === 0) return;
  const c = colors(ctx);
  for (const p of problems.slice(0, 5)) {
    ctx.stderr.write(commandMessages.skipped(c, `${relative(ctx.cwd, p.path) || p.path}${p.line ? `:${p.line}` : ''}`, p.message));
  }
  if (problems.length > 5) ctx.stderr.write(commandMessages.moreSkipped(problems.length - 5));
}

export function reap(w: World, ctx: Ctx): void {
  reapMissions(w.db, { now: ctx.now(), staleAfter: w.config.missions.staleAfter });
}


export async function create(o: OptionsOf<'task new'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now());
    const task = createTask(ws, actor?.mission, {
      title: o.title,
      priority: o.priority,
      role: o.role,
      prefix: o.prefix,
      labels: o.label,
      dependsOn: o.dependsOn,
      body: o.body,
      status: o.status,
    }, ctx.now());
    if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, task, null) });
    else print(ctx, commandMessages.created(colors(ctx), task.id, task.title, relative(ctx.cwd, task.path)));
    return 0;
  });
}

export async function list(o: OptionsOf<'task list'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, READ_TASKS, (ws) => {
    reportSkipped(ws, ctx);
    const wanted = o.status.map((s) => s.toUpperCase());
    for (const s of wanted) {
      if (isStatus(s)) continue;
      const m = commandMessages.unknownStatus(s, STATUSES);
      throw new SortieError('USAGE', m.message, { hint: m.hint });
    }
    const statuses = wanted.length ? (wanted as Status[]) : o.all ? undefined : STATUSES.filter((s) => !TERMINAL.has(s));
    const tasks = listTasks(ws.db, { status: statuses, role: o.role, label: o.label });
    if (o.json) {
      printJson(ctx, { tasks: tasks.map((t) => taskJson(ws.db, ws.repo.root, t, t.holder)) });
      return 0;
    }
    const c = colors(ctx);
    if (tasks.length === 0) {
      print(ctx, commandMessages.noTasks());
      return 0;
    }
    const rows = tasks.map((t) => [
      c.bold(term(t.id, 80)),
      statusColor(c, t.status),
      t.priority,
      term(t.title, 60),
      t.holder ? `${term(t.holder.codename, 60)} (${term(t.holder.agent, 40)})` : t.status === 'UNDERWAY' ? c.yellow('waiting for pickup') : '',
    ]);
    print(ctx, table([['ID', 'STATUS', 'PRIORITY', 'TITLE', 'HOLDER'].map((h) => c.dim(h)), ...rows]));
    return 0;
  });
}

function statusColor(c: ReturnType<typeof colors>, s: Status): string {
  switch (s) {
    case 'UNDERWAY':
      return c.cyan(s);
    case 'BLOCKED':
      return c.red(s);
    case 'REVIEW':
      return c.magenta(s);
    case 'COMPLETE':
      return c.green(s);
    case 'ABORTED':
    case 'PAUSED':
      return c.dim(s);
    default:
      return s;
  }
}

export async function show(o: OptionsOf<'task show'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, READ_TASKS, (ws) => {
    reportStale(ws, ctx);
    const id = o.id;
    const task = readTask(ws, id);
    const held = liveClaim(ws.db, id);
    const history = queryActivity(ws.db, { taskId: id, limit: 50 });
    const holder = held ? { mission: held.mission.id, codename: held.mission.codename, agent: held.mission.agent, since: held.claimed_at } : null;
    if (o.json) {
      const { data: _d, ...rest } = task;
      printJson(ctx, { task: taskJson(ws.db, ws.repo.root, rest, holder), history: history.map(activityJson) });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold(term(task.id, 80))}  ${term(task.title, 200)}`);
    print(ctx, `status ${statusColor(c, task.status)}  priority ${task.priority}${task.role ? `  role ${term(task.role, 40)}` : ''}${task.labels.length ? `  labels ${term(task.labels.join(', '), 200)}` : ''}`);
    if (task.dependsOn.length) print(ctx, `depends on ${term(task.dependsOn.join(', '), 400)}`);
    print(ctx, `held by ${holder ? `${term(holder.codename, 60)} (${term(holder.agent, 40)}, mission #${holder.mission}) since ${holder.since}` : task.status === 'UNDERWAY' ? c.yellow('nobody: waiting for pickup') : 'nobody'}`);
    print(ctx, c.dim(term(relative(ctx.cwd, task.path), 400)));
    if (task.body.trim()) print(ctx, `\n${forTerminalBlock(task.body.trim(), 4000)}`);
    if (history.length) {
      print(ctx, `\n${c.dim('history')}`);
      for (const a of history) print(ctx, `  ${a.at.slice(0, 16).replace('T', ' ')}  ${a.kind}${a.detail ? `  ${term(a.detail, 120)}` : ''}`);
    }
    return 0;
  });
}

export async function claim(o: OptionsOf<'task claim'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    reap(ws, ctx);
    const id = o.id;
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
    const r = claimTask(ws, actor.mission, id, ctx.now(), { force: o.force });
    if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task), already: r.already });
    else print(ctx, r.already ? commandMessages.alreadyYours(id, actor.mission.codename) : commandMessages.claimed(colors(ctx), id, actor.mission));
    return 0;
  });
}

export function change(verb: StatusVerb) {
  return async (o: OptionsOf<`task ${StatusVerb}`>, ctx: Ctx): Promise<number> =>
    withWorld(ctx, TASKS, (ws) => {
      const id = o.id;
      const noteText = o.note;
      if (verb === 'handoff' && !noteText) {
        const m = commandMessages.handoffNeedsNotes(id);
        throw new SortieError('USAGE', m.message, { hint: m.hint });
      }
      const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
      const r = changeTask(ws, actor.mission, id, verb, ctx.now(), { force: o.force, note: noteText });
      if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task), already: r.already, released: r.released, forced: r.forced, previousHolder: r.previousHolder ?? null });
      else if (r.already) print(ctx, commandMessages.alreadyStatus(id, r.task.status));
      else {
        const what = verb === 'handoff' ? 'handed off' : verb === 'release' ? 'released' : `now ${r.task.status}`;
        print(ctx, commandMessages.changed(id, what, r.released && verb !== 'release' && verb !== 'handoff', r.forced ? String(r.previousHolder) : undefined));
      }
      return 0;
    });
}
