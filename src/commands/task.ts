import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { queryActivity, type ActivityRow } from '../activity.js';
import { resolveActor } from '../missions/identity.js';
import { reapMissions } from '../missions/missions.js';
import { STATUSES, TERMINAL, isStatus, type Status } from '../tasks/status.js';
import { changeTask, claimTask, createTask, listTasks, liveClaim, ownTaskFile, readTask, reopenTask, stateText, taskRow, type StatusVerb } from '../tasks/tasks.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import { renumberTask } from '../tasks/renumber.js';
import { clean, colors, print, printJson, table } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld, type World } from '../world/open.js';
import { relative } from 'node:path';

/** Every task command starts from an index in step with the files (synced at opening); it reports the files it skipped. */
export const TASKS = { sync: 'full', catchUp: true } as const;

export function reportSkipped(w: World, ctx: Ctx): void {
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
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now());
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
    if (o.json) printJson(ctx, { task });
    else print(ctx, commandMessages.created(colors(ctx), task.id, task.title, relative(ctx.cwd, task.path)));
    return 0;
  });
}

export async function list(o: OptionsOf<'task list'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    reportSkipped(ws, ctx);
    const wanted = o.status.map((s) => s.toUpperCase());
    for (const s of wanted) {
      if (isStatus(s)) continue;
      const m = commandMessages.unknownStatus(s, STATUSES);
      throw new SortieError('USAGE', m.message, { hint: m.hint });
    }
    const statuses = wanted.length ? (wanted as Status[]) : o.all ? undefined : STATUSES.filter((s) => !TERMINAL.has(s));
    const tasks = listTasks(ws.db, { status: statuses, role: o.role, label: o.label }, ws.tasksDir);
    if (o.json) {
      printJson(ctx, { tasks: tasks.map(({ path, origin, ...t }) => ({ ...t, path: origin?.here === null ? path : relative(ws.repo.root, path), origin: origin ?? null })) });
      return 0;
    }
    const c = colors(ctx);
    if (tasks.length === 0) {
      print(ctx, commandMessages.noTasks());
      return 0;
    }
    const here = branchHere(ws.db, ws.tasksDir);
    const rows = tasks.map((t) => [
      c.bold(t.id),
      statusColor(c, t.status),
      t.priority,
      clean(t.title, 60),
      t.holder ? `${t.holder.codename} (${t.holder.agent})` : t.status === 'UNDERWAY' ? c.yellow('waiting for pickup') : '',
      t.origin ? c.dim(clean(describeOrigin(t.origin, here), 60)) : '',
    ]);
    const anyOrigin = tasks.some((t) => t.origin);
    print(ctx, table([['ID', 'STATUS', 'PRIORITY', 'TITLE', 'HOLDER', ...(anyOrigin ? ['WHERE'] : [])].map((h) => c.dim(h)), ...rows.map((r) => (anyOrigin ? r : r.slice(0, 5)))]));
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
  return withWorld(ctx, TASKS, (ws) => {
    const id = o.id;
    // What the task is: this checkout's file; where it stands: the shared view.
    const file = ownTaskFile(ws, id);
    const task = file ? readTask(ws, id) : undefined;
    const row = taskRow(ws.db, id);
    if (!task && !row) readTask(ws, id); // not found: its error
    const held = liveClaim(ws.db, id);
    const history = queryActivity(ws.db, { taskId: id, limit: 50 });
    const holder = held ? { mission: held.mission.id, codename: held.mission.codename, agent: held.mission.agent, since: held.claimed_at } : null;
    const origin = row ? originFor(ws.db, row, ws.tasksDir) : undefined;
    const t = task ?? { ...rowToTaskish(row!), body: '' };
    const status = row?.status ?? t.status;
    if (o.json) {
      const { body, path, ...rest } = t;
      const { data: _d, ...fields } = rest as typeof rest & { data?: unknown };
      printJson(ctx, {
        task: { ...fields, status, path: file ? relative(ws.repo.root, path) : null, body },
        origin: origin ?? null,
        holder,
        history: history.map(activityJson),
      });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold(t.id)}  ${clean(t.title, 200)}`);
    const where = row ? stateText(ws, row).slice(status.length) : '';
    print(ctx, `status ${statusColor(c, status)}${where ? c.yellow(where) : ''}  priority ${t.priority}${t.role ? `  role ${t.role}` : ''}${t.labels.length ? `  labels ${t.labels.join(', ')}` : ''}`);
    if (t.dependsOn.length) print(ctx, `depends on ${t.dependsOn.join(', ')}`);
    print(ctx, `held by ${holder ? `${holder.codename} (${holder.agent}, mission #${holder.mission}) since ${holder.since}` : status === 'UNDERWAY' ? c.yellow('nobody: waiting for pickup') : 'nobody'}`);
    print(ctx, c.dim(file ? relative(ctx.cwd, file) : `not in this checkout (its file: ${clean(t.path, 200)} on ${row?.origin ?? 'another branch'})`));
    if (t.body.trim()) print(ctx, `\n${clean(t.body.trim(), 4000)}`);
    if (history.length) {
      print(ctx, `\n${c.dim('history')}`);
      for (const a of history) print(ctx, `  ${a.at.slice(0, 16).replace('T', ' ')}  ${a.kind}${a.detail ? `  ${clean(a.detail, 120)}` : ''}`);
    }
    return 0;
  });
}

function rowToTaskish(row: NonNullable<ReturnType<typeof taskRow>>) {
  return { id: row.id, title: row.title, status: row.status, priority: row.priority, role: row.role ?? undefined, labels: JSON.parse(row.labels) as string[], dependsOn: JSON.parse(row.depends_on) as string[], created: row.created ?? undefined, path: row.path };
}

export function activityJson(a: ActivityRow): Record<string, unknown> {
  return { ...a, detail: a.detail ? (JSON.parse(a.detail) as unknown) : null };
}

export async function claim(o: OptionsOf<'task claim'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    reap(ws, ctx);
    const id = o.id;
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now())!;
    const r = claimTask(ws, actor.mission, id, ctx.now(), { force: o.force });
    const mission = { id: actor.mission.id, codename: actor.mission.codename, agent: actor.mission.agent };
    // `here: false`: the task's file is on another branch; `reopened: true`: a person's forced claim reopened it.
    if (o.json) printJson(ctx, { claimed: r.task.id, already: r.already, ...(r.here ? {} : { here: false }), ...(r.reopened ? { reopened: true } : {}), mission });
    else {
      if (r.reopened) print(ctx, commandMessages.reopened(id, 'TODO'));
      print(ctx, r.already ? commandMessages.alreadyYours(id, actor.mission.codename) : commandMessages.claimed(colors(ctx), id, actor.mission));
      if (!r.here && !r.already) print(ctx, commandMessages.claimedElsewhere(id, taskRow(ws.db, id)?.origin ?? undefined));
    }
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
      const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now())!;
      const r = changeTask(ws, actor.mission, id, verb, ctx.now(), { force: o.force, note: noteText });
      if (o.json) printJson(ctx, { task: r.task.id, status: r.task.status, released: r.released, forced: r.forced, previousHolder: r.previousHolder ?? null });
      else {
        const what = verb === 'handoff' ? 'handed off' : verb === 'release' ? 'released' : `now ${r.task.status}`;
        print(ctx, commandMessages.changed(id, what, r.released && verb !== 'release' && verb !== 'handoff', r.forced ? String(r.previousHolder) : undefined));
      }
      return 0;
    });
}

/** `sortie task reopen`: a person reopens a closed task, wherever it was closed. */
export async function reopen(o: OptionsOf<'task reopen'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now())!;
    const r = reopenTask(ws, actor.mission, o.id, ctx.now(), { note: o.note });
    if (o.json) printJson(ctx, { task: r.task.id, status: 'TODO', from: r.from, on: r.origin });
    else print(ctx, commandMessages.reopened(o.id, 'TODO', r.from, r.origin ?? undefined));
    return 0;
  });
}

/** `sortie task renumber`: a new id for this checkout's task (its id names another task elsewhere). */
export async function renumber(o: OptionsOf<'task renumber'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now());
    const r = renumberTask(ws, actor?.mission, o.id, ctx.now(), { to: o.to });
    const rel = (p: string) => relative(ctx.cwd, p) || p;
    if (o.json) {
      printJson(ctx, { from: r.from, to: r.to, path: relative(ws.repo.root, r.path), previousPath: relative(ws.repo.root, r.previousPath), rewritten: r.rewritten.map((p) => relative(ws.repo.root, p)), collidedWith: r.others });
      return 0;
    }
    print(ctx, commandMessages.renumbered(colors(ctx), r.from, r.to, rel(r.path), r.rewritten.map(rel), r.others, relative(ctx.cwd, ws.tasksDir) || '.'));
    return 0;
  });
}
