import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { liveMissions } from '../missions/missions.js';
import { claimsOf, countByStatus, readyTasks, taskRow, waitingTasks } from '../tasks/tasks.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import type { Task } from '../tasks/parse.js';
import { ago } from '../time.js';
import { aside, colors, forTerminal as term, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld } from '../world/open.js';
import { filesHere, missionJson, problemJson, sharedJson, taskJson } from './json.js';
import { sharingOf } from '../remote/share.js';
import { cacheFetchedAt } from '../remote/cache.js';
import { reportStale } from './task.js';

export async function status(o: OptionsOf<'status'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { sync: 'full', catchUp: true, access: 'read', shared: true }, (ws) => {
    reportStale(ws, ctx);
    const s = sharingOf(ws, ctx.env);
    const fetched = s ? cacheFetchedAt(ws.db) : undefined;
    const sharedError = ws.shared && !ws.shared.ok ? ws.shared.detail : undefined;
    const sync = ws.synced ?? { problems: [] };
    const now = ctx.now();
    const missions = liveMissions(ws.db).map((m) => ({ m, holds: claimsOf(ws.db, m.id) }));
    const waiting = waitingTasks(ws.db);
    const ready = readyTasks(ws.db, 10);
    const counts = countByStatus(ws.db);
    // Where a task's state comes from, when it is not this checkout's own file.
    const originOf = (t: Task) => {
      const row = taskRow(ws.db, t.id);
      return row ? originFor(ws.db, row, ws.tasksDir) : undefined;
    };
    const here = branchHere(ws.db, ws.tasksDir);
    const where = (t: Task) => {
      const o = originOf(t);
      return o ? `  ${describeOrigin(o, here)}` : '';
    };
    if (o.json) {
      const mine = filesHere(ws.db, ws.tasksDir);
      // Waiting and ready tasks are held by nobody (a live claim makes a task UNDERWAY and held).
      const shared = (t: Task) => ({ origin: originOf(t) ?? null, here: mine(t.id) });
      printJson(ctx, {
        missions: missions.map(({ m }) => missionJson(ws.db, m)),
        waiting: waiting.map((t) => taskJson(ws.db, ws.repo.root, t, null, shared(t))),
        ready: ready.map((t) => taskJson(ws.db, ws.repo.root, t, null, shared(t))),
        counts,
        problems: sync.problems.map((x) => problemJson(ws.repo.root, x)),
        shared: s ? sharedJson(s.name, fetched?.remote === s.name ? fetched.at : undefined, sharedError) : null,
      });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, c.bold('Live missions'));
    if (missions.length === 0) print(ctx, c.dim('  none'));
    for (const { m, holds } of missions) {
      const who = m.kind === 'person' ? `${term(m.person, 80)} (person)` : term(m.agent, 40);
      print(ctx, `  ${c.bold(term(m.codename, 60))} #${m.id}  ${who}${m.branch ? ` on ${term(m.branch, 80)}` : ''}  seen ${ago(m.last_seen_at, now)}`);
      print(ctx, `    holds: ${holds.length ? term(holds.map((h) => h.task_id).join(', '), 400) : c.dim('nothing')}`);
    }
    print(ctx, `\n${c.bold('Waiting for pickup')} ${c.dim('(UNDERWAY, nobody holds them)')}`);
    if (waiting.length === 0) print(ctx, c.dim('  none'));
    for (const t of waiting) print(ctx, `  ${c.yellow(term(t.id, 80))}  ${term(t.title, 70)}  ${c.dim(t.priority)}${c.dim(aside(where(t)))}`);
    print(ctx, `\n${c.bold('Ready')} ${c.dim('(TODO, dependencies done, by priority)')}`);
    if (ready.length === 0) print(ctx, c.dim('  none'));
    for (const t of ready) print(ctx, `  ${term(t.id, 80)}  ${term(t.title, 70)}  ${c.dim(t.priority)}${c.dim(aside(where(t)))}`);
    const summary = Object.entries(counts)
      .map(([s, n]) => `${s} ${n}`)
      .join(' · ');
    print(ctx, `\n${c.dim(summary || commandMessages.noTasksYet())}`);
    if (sync.problems.length) print(ctx, c.yellow(`${sync.problems.length} task file(s) could not be read: sortie doctor`));
    if (s) print(ctx, c.dim(commandMessages.sharedFreshness(s.name, fetched?.remote === s.name ? ago(fetched.at, now) : undefined, sharedError)));
    return 0;
  });
}
