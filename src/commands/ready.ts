import type { Parsed } from '../cli.js';
import { SortieError } from '../errors.js';
import { resolveActor } from '../missions/identity.js';
import { reapMissions } from '../missions/missions.js';
import { claimNext, pickupNote, readyTasks, startable, waitingTasks, type PickupNote } from '../tasks/tasks.js';
import type { Task } from '../tasks/parse.js';
import { clean, colors, oneLine, print, printJson } from '../ui.js';
import { withWorkspace, type Ctx } from '../workspace.js';
import { prepare } from './task.js';

function limitOf(p: Parsed, fallback: number): number {
  if (p.values.limit === undefined) return fallback;
  const n = Number(p.values.limit);
  if (!Number.isInteger(n) || n <= 0) throw new SortieError('USAGE', `--limit must be a positive number, got "${String(p.values.limit)}"`);
  return n;
}

const taskJson = (t: Task) => ({ id: t.id, title: t.title, priority: t.priority, status: t.status, labels: t.labels, dependsOn: t.dependsOn });
const noteJson = (n: PickupNote | undefined) => (n ? { note: n.note, from: n.from, at: n.at } : null);

function noteLine(n: PickupNote | undefined): string | undefined {
  return n ? `    from ${n.from ?? 'someone'}, ${n.at.slice(0, 16).replace('T', ' ')} UTC: ${oneLine(n.note, 160)}` : undefined;
}

/** `sortie ready`: what can be started now. */
export async function ready(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    prepare(ws);
    const limit = limitOf(p, 20);
    const allReady = readyTasks(ws.db, -1);
    const allWaiting = waitingTasks(ws.db);
    const readyList = allReady.slice(0, limit);
    const waiting = allWaiting.slice(0, limit).map((t) => ({ t, note: pickupNote(ws.db, t.id) }));
    if (p.values.json) {
      printJson(ctx, {
        ready: readyList.map(taskJson),
        readyTotal: allReady.length,
        waiting: waiting.map(({ t, note }) => ({ ...taskJson(t), handoff: noteJson(note) })),
        waitingTotal: allWaiting.length,
      });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold('Ready')} ${c.dim('(TODO, dependencies done, by priority)')}`);
    if (readyList.length === 0) print(ctx, c.dim('  none'));
    for (const t of readyList) print(ctx, `  ${c.bold(t.id)}  ${clean(t.title, 70)}  ${c.dim(t.priority)}${t.labels.length ? c.dim(`  [${t.labels.map((l) => oneLine(l, 30)).join(', ')}]`) : ''}`);
    if (allReady.length > limit) print(ctx, c.dim(`  ... and ${allReady.length - limit} more (sortie ready --limit ${allReady.length})`));
    print(ctx, `\n${c.bold('Waiting for pickup')} ${c.dim('(UNDERWAY, nobody holds them)')}`);
    if (waiting.length === 0) print(ctx, c.dim('  none'));
    for (const { t, note } of waiting) {
      print(ctx, `  ${c.yellow(t.id)}  ${clean(t.title, 70)}  ${c.dim(t.priority)}`);
      const line = noteLine(note);
      if (line) print(ctx, c.dim(line));
    }
    if (allWaiting.length > limit) print(ctx, c.dim(`  ... and ${allWaiting.length - limit} more`));
    if (readyList.length || waiting.length) print(ctx, `\n${c.dim('start one: sortie next --claim   (or sortie task claim <ID>)')}`);
    return 0;
  });
}

function nothingReady(): SortieError {
  return new SortieError('NOTHING_READY', 'nothing ready: no TODO task has its dependencies done, and none is waiting for pickup', {
    hint: 'sortie task list   (or create one: sortie task new "<title>")',
  });
}

/**
 * `sortie next [--claim]`: the first startable task. With --claim it is picked and claimed in one
 * write transaction (tasks.claimNext), so processes calling it at once get different tasks.
 */
export async function next(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    prepare(ws, true);
    const c = colors(ctx);
    if (!p.values.claim) {
      const pick = startable(ws.db, 1)[0];
      if (!pick) throw nothingReady();
      const note = pick.kind === 'waiting' ? pickupNote(ws.db, pick.task.id) : undefined;
      if (p.values.json) printJson(ctx, { task: taskJson(pick.task), kind: pick.kind, claimed: false, handoff: noteJson(note) });
      else {
        print(ctx, `next: ${c.bold(pick.task.id)}  ${clean(pick.task.title, 70)}  ${c.dim(`${pick.task.priority}, ${pick.kind === 'waiting' ? 'waiting for pickup' : 'ready'}`)}`);
        const line = noteLine(note);
        if (line) print(ctx, line);
        print(ctx, `  claim it: sortie task claim ${pick.task.id}   (or: sortie next --claim)`);
      }
      return 0;
    }
    reapMissions(ws.db, { now: ctx.now(), staleAfter: ws.config.missions.staleAfter });
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now())!;
    const r = claimNext(ws, actor.mission);
    if (!r) throw nothingReady();
    const note = r.kind === 'waiting' ? pickupNote(ws.db, r.task.id) : undefined;
    const m = actor.mission;
    if (p.values.json) {
      printJson(ctx, { task: taskJson(r.task), kind: r.kind, claimed: true, mission: { id: m.id, codename: m.codename, agent: m.agent }, handoff: noteJson(note) });
    } else {
      print(ctx, `${c.green('claimed')} ${c.bold(r.task.id)}  ${clean(r.task.title, 70)}  ${c.dim(`${r.task.priority}, was ${r.kind === 'waiting' ? 'waiting for pickup' : 'ready'}`)}`);
      print(ctx, `  for ${m.codename} (${m.agent}, mission #${m.id})`);
      const line = noteLine(note);
      if (line) print(ctx, line);
      print(ctx, `  when finished: sortie task done ${r.task.id}   to give it back: sortie task handoff ${r.task.id} --note "..."`);
    }
    return 0;
  });
}
