import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { queryActivity } from '../activity.js';
import { resolveActor } from '../missions/identity.js';
import { identityHints } from '../agents/index.js';
import { reapMissions } from '../missions/missions.js';
import { STATUSES, TERMINAL, isStatus, type Status } from '../tasks/status.js';
import { changeTask, claimTask, createTask, type ClaimResult, listTasks, liveClaim, ownTaskFile, readTask, reopenTask, stateText, taskRow, type StatusVerb } from '../tasks/tasks.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import { renumberTask } from '../tasks/renumber.js';
import { colors, forTerminal, forTerminal as term, forTerminalBlock, print, printJson, table } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld, type World } from '../world/open.js';
import { activityJson, filesHere, originJson, repoPath, taskJson } from './json.js';
import { relative } from 'node:path';
import { claimShared, publishChange, reserveIds, sharingOf, type SharedClaim } from '../remote/share.js';

/** Every task command starts from an index in step with the files (synced at opening); it reports the files it skipped. */
export const TASKS = { sync: 'full', catchUp: true, shared: true } as const;
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
    }, ctx.now(), { reserve: reserveIds(ws, sharingOf(ws, ctx.env), ctx.now(), (t) => void ctx.stderr.write(t)) });
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
    const tasks = listTasks(ws.db, { status: statuses, role: o.role, label: o.label }, ws.tasksDir);
    if (o.json) {
      const here = filesHere(ws.db, ws.tasksDir);
      printJson(ctx, { tasks: tasks.map((t) => taskJson(ws.db, ws.repo.root, t, t.holder, { origin: t.origin ?? null, here: here(t.id) })) });
      return 0;
    }
    const c = colors(ctx);
    if (tasks.length === 0) {
      print(ctx, commandMessages.noTasks());
      return 0;
    }
    const here = branchHere(ws.db, ws.tasksDir);
    const rows = tasks.map((t) => [
      c.bold(term(t.id, 80)),
      statusColor(c, t.status),
      t.priority,
      term(t.title, 60),
      t.holder ? `${term(t.holder.codename, 60)} (${term(t.holder.agent, 40)})` : t.status === 'UNDERWAY' ? c.yellow('waiting for pickup') : '',
      t.origin ? c.dim(term(describeOrigin(t.origin, here), 60)) : '',
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
  return withWorld(ctx, READ_TASKS, (ws) => {
    reportStale(ws, ctx);
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
      const { data: _d, ...rest } = t as typeof t & { data?: unknown };
      printJson(ctx, { task: taskJson(ws.db, ws.repo.root, { ...rest, status }, holder, { here: !!file, body: true }), origin: origin ? originJson(origin) : null, history: history.map(activityJson) });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold(term(t.id, 80))}  ${term(t.title, 200)}`);
    const where = row ? stateText(ws, row).slice(status.length) : '';
    print(ctx, `status ${statusColor(c, status)}${where ? ` ${c.yellow(term(where, 200))}` : ''}  priority ${t.priority}${t.role ? `  role ${term(t.role, 40)}` : ''}${t.labels.length ? `  labels ${term(t.labels.join(', '), 200)}` : ''}`);
    if (t.dependsOn.length) print(ctx, `depends on ${term(t.dependsOn.join(', '), 400)}`);
    print(ctx, `held by ${holder ? `${term(holder.codename, 60)} (${term(holder.agent, 40)}, mission #${holder.mission}) since ${holder.since}` : status === 'UNDERWAY' ? c.yellow('nobody: waiting for pickup') : 'nobody'}`);
    print(ctx, c.dim(file ? term(relative(ctx.cwd, file), 400) : `not in this checkout (its file: ${term(t.path, 200)} on ${term(row?.origin ?? 'another branch', 100)})`));
    if (t.body.trim()) print(ctx, `\n${forTerminalBlock(t.body.trim(), 4000)}`);
    if (history.length) {
      print(ctx, `\n${c.dim('history')}`);
      for (const a of history) print(ctx, `  ${a.at.slice(0, 16).replace('T', ' ')}  ${a.kind}${a.detail ? `  ${term(a.detail, 120)}` : ''}`);
    }
    return 0;
  });
}

function rowToTaskish(row: NonNullable<ReturnType<typeof taskRow>>) {
  return { id: row.id, title: row.title, status: row.status, priority: row.priority, role: row.role ?? undefined, labels: JSON.parse(row.labels) as string[], dependsOn: JSON.parse(row.depends_on) as string[], created: row.created ?? undefined, path: row.path };
}

export async function claim(o: OptionsOf<'task claim'>, ctx: Ctx): Promise<number> {
  // No cache refresh first: the claim asks the remote itself (its compare-and-swap is the truth).
  return withWorld(ctx, { ...TASKS, shared: false }, (ws) => {
    reap(ws, ctx);
    const id = o.id;
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
    const s = sharingOf(ws, ctx.env);
    const warn = (text: string) => void ctx.stderr.write(text);
    const r: ClaimResult & Partial<Pick<SharedClaim, 'shared' | 'takeover'>> = s ? claimShared(ws, s, actor.mission, id, ctx.now(), { force: o.force }, warn) : claimTask(ws, actor.mission, id, ctx.now(), { force: o.force });
    // `here: false`: the task's file is on another branch; `reopened: true`: a person's forced claim reopened it.
    const shared = r.shared ? { shared: r.shared, ...(r.takeover ? { takeover: r.takeover } : {}) } : {};
    if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task, undefined, { here: r.here }), already: r.already, ...(r.here ? {} : { here: false }), ...(r.reopened ? { reopened: true } : {}), ...shared });
    else {
      if (r.reopened) print(ctx, commandMessages.reopened(id, 'TODO'));
      print(ctx, r.already ? commandMessages.alreadyYours(id, actor.mission.codename) : commandMessages.claimed(colors(ctx), id, actor.mission));
      if (!r.here && !r.already) print(ctx, commandMessages.claimedElsewhere(id, taskRow(ws.db, id)?.origin ?? undefined));
      if (r.takeover) print(ctx, commandMessages.tookOver(id, r.takeover));
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
      const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
      const r = changeTask(ws, actor.mission, id, verb, ctx.now(), { force: o.force, note: noteText });
      const s = sharingOf(ws, ctx.env);
      if (s && (!r.already || verb === 'done' || verb === 'abort')) publishChange(ws, s, actor.mission, id, verb, r.task.status, ctx.now(), (t) => void ctx.stderr.write(t), { force: o.force, note: noteText });
      if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task, undefined, { here: r.here }), already: r.already, released: r.released, forced: r.forced, previousHolder: r.previousHolder ?? null });
      else if (r.already) print(ctx, commandMessages.alreadyStatus(id, r.task.status));
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
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
    const r = reopenTask(ws, actor.mission, o.id, ctx.now(), { note: o.note });
    const s = sharingOf(ws, ctx.env);
    if (s) publishChange(ws, s, actor.mission, o.id, 'reopen', 'TODO', ctx.now(), (t) => void ctx.stderr.write(t));
    // `from`: the closed status it had; `on`: the branch it was closed on (null: not known).
    if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task, undefined, { here: r.here }), from: r.from, on: r.origin });
    else print(ctx, commandMessages.reopened(o.id, 'TODO', r.from, r.origin ?? undefined));
    return 0;
  });
}

/** `sortie task renumber`: a new id for this checkout's task (its id names another task elsewhere). */
export async function renumber(o: OptionsOf<'task renumber'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now());
    const r = renumberTask(ws, actor?.mission, o.id, ctx.now(), { to: o.to });
    const rel = (p: string) => relative(ctx.cwd, p) || p;
    if (o.json) {
      printJson(ctx, { from: r.from, to: r.to, path: repoPath(ws.repo.root, r.path), previousPath: repoPath(ws.repo.root, r.previousPath), rewritten: r.rewritten.map((p) => repoPath(ws.repo.root, p)), collidedWith: r.others });
      return 0;
    }
    print(ctx, commandMessages.renumbered(colors(ctx), r.from, r.to, rel(r.path), r.rewritten.map(rel), r.others, relative(ctx.cwd, ws.tasksDir) || '.'));
    return 0;
  });
}
