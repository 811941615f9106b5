import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { identityHints } from '../agents/index.js';
import { resolveActor } from '../missions/identity.js';
import { claimNext, pickupNote, readyTasks, startable, taskRow, waitingTasks, type PickupNote, type TaskWorld } from '../tasks/tasks.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import type { Task } from '../tasks/parse.js';
import { aside, colors, forTerminal as term, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld } from '../world/open.js';
import { filesHere, handoffJson, missionJson, taskJson } from './json.js';
import { claimNextShared, sharingOf } from '../remote/share.js';
import { TASKS, reap, reportSkipped } from './task.js';

function limitOf(limit: string | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  const n = Number(limit);
  if (!Number.isInteger(n) || n <= 0) throw new SortieError('USAGE', commandMessages.badLimit(limit));
  return n;
}

/** Where a task's state comes from, when it is not this checkout's own file. */
function originOf(w: Pick<TaskWorld, 'db' | 'tasksDir'>, t: Task) {
  const row = taskRow(w.db, t.id);
  return row ? originFor(w.db, row, w.tasksDir) : undefined;
}

/** " on feat (not in this checkout, main)": where a task is when this checkout does not have it so. */
function whereOf(w: Pick<TaskWorld, 'db' | 'tasksDir'>, t: Task): string {
  const o = originOf(w, t);
  return o ? `  ${describeOrigin(o, branchHere(w.db, w.tasksDir))}` : '';
}

/**
 * A ready or waiting task as the contract says a task (json.ts), with its origin; held by nobody
 * (ready: TODO; waiting: no live claim), unless `held` (just claimed: its holder is looked up).
 * `here`: whether this checkout has its file, when the caller read that already.
 */
function startJson(w: Pick<TaskWorld, 'db' | 'tasksDir'> & { repo: { root: string } }, t: Task, o: { held?: boolean; here?: boolean } = {}) {
  const here = o.here ?? filesHere(w.db, w.tasksDir)(t.id);
  return taskJson(w.db, w.repo.root, t, o.held ? undefined : null, { origin: originOf(w, t) ?? null, here });
}

function noteLine(n: PickupNote | undefined): string | undefined {
  return n ? `    from ${n.from ?? 'someone'}, ${n.at.slice(0, 16).replace('T', ' ')} UTC: ${term(n.note, 160)}` : undefined;
}

/** `sortie ready`: what can be started now. */
export async function ready(o: OptionsOf<'ready'>, ctx: Ctx): Promise<number> {
  const limit = limitOf(o.limit, 20);
  return withWorld(ctx, TASKS, (ws) => {
    reportSkipped(ws, ctx);
    const allReady = readyTasks(ws.db, -1);
    const allWaiting = waitingTasks(ws.db);
    const readyList = allReady.slice(0, limit);
    const waiting = allWaiting.slice(0, limit).map((t) => ({ t, note: pickupNote(ws.db, t.id) }));
    if (o.json) {
      const here = filesHere(ws.db, ws.tasksDir);
      printJson(ctx, {
        ready: readyList.map((t) => startJson(ws, t, { here: here(t.id) })),
        readyTotal: allReady.length,
        waiting: waiting.map(({ t, note }) => ({ ...startJson(ws, t, { here: here(t.id) }), handoff: handoffJson(note) })),
        waitingTotal: allWaiting.length,
      });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold('Ready')} ${c.dim('(TODO, dependencies done, by priority)')}`);
    if (readyList.length === 0) print(ctx, c.dim('  none'));
    for (const t of readyList) print(ctx, `  ${c.bold(t.id)}  ${term(t.title, 70)}  ${c.dim(t.priority)}${t.labels.length ? c.dim(`  [${t.labels.map((l) => term(l, 30)).join(', ')}]`) : ''}${c.dim(aside(whereOf(ws, t)))}`);
    if (allReady.length > limit) print(ctx, c.dim(`  ... and ${allReady.length - limit} more (sortie ready --limit ${allReady.length})`));
    print(ctx, `\n${c.bold('Waiting for pickup')} ${c.dim('(UNDERWAY, nobody holds them)')}`);
    if (waiting.length === 0) print(ctx, c.dim('  none'));
    for (const { t, note } of waiting) {
      print(ctx, `  ${c.yellow(t.id)}  ${term(t.title, 70)}  ${c.dim(t.priority)}${c.dim(aside(whereOf(ws, t)))}`);
      const line = noteLine(note);
      if (line) print(ctx, c.dim(line));
    }
    if (allWaiting.length > limit) print(ctx, c.dim(`  ... and ${allWaiting.length - limit} more`));
    if (readyList.length || waiting.length) print(ctx, `\n${c.dim(commandMessages.startOne())}`);
    return 0;
  });
}

function nothingReady(): SortieError {
  const m = commandMessages.nothingReady();
  return new SortieError('NOTHING_READY', m.message, { hint: m.hint });
}

/**
 * `sortie next [--claim]`: the first startable task. With --claim it is picked and claimed in one
 * write transaction (tasks.claimNext), so processes calling it at once get different tasks.
 */
export async function next(o: OptionsOf<'next'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, TASKS, (ws) => {
    // With sharing on, each candidate is claimed through the remote (remote/share.ts claimNextShared).
    const c = colors(ctx);
    if (!o.claim) {
      const pick = startable(ws.db, 1)[0];
      if (!pick) throw nothingReady();
      const note = pick.kind === 'waiting' ? pickupNote(ws.db, pick.task.id) : undefined;
      if (o.json) printJson(ctx, { task: startJson(ws, pick.task), kind: pick.kind, claimed: false, handoff: handoffJson(note) });
      else {
        print(ctx, `next: ${c.bold(pick.task.id)}  ${term(pick.task.title, 70)}  ${c.dim(`${pick.task.priority}, ${pick.kind === 'waiting' ? 'waiting for pickup' : 'ready'}`)}`);
        const line = noteLine(note);
        if (line) print(ctx, line);
        print(ctx, commandMessages.claimNextOne(pick.task.id));
      }
      return 0;
    }
    reap(ws, ctx);
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
    const s = sharingOf(ws, ctx.env);
    const r = s ? claimNextShared(ws, s, actor.mission, ctx.now(), (t) => void ctx.stderr.write(t)) : claimNext(ws, actor.mission, ctx.now());
    if (!r) throw nothingReady();
    const note = r.kind === 'waiting' ? pickupNote(ws.db, r.task.id) : undefined;
    const m = actor.mission;
    if (o.json) {
      printJson(ctx, { task: startJson(ws, r.task, { held: true, here: r.here }), kind: r.kind, claimed: true, mission: missionJson(ws.db, m), handoff: handoffJson(note) });
    } else {
      print(ctx, `${c.green('claimed')} ${c.bold(r.task.id)}  ${term(r.task.title, 70)}  ${c.dim(`${r.task.priority}, was ${r.kind === 'waiting' ? 'waiting for pickup' : 'ready'}`)}`);
      print(ctx, commandMessages.claimedFor(m));
      const line = noteLine(note);
      if (line) print(ctx, line);
      print(ctx, commandMessages.whenFinished(r.task.id));
    }
    return 0;
  });
}
