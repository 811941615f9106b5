import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { queryActivity } from '../activity.js';
import { findMission, getMission } from '../missions/missions.js';
import { parseSince } from '../time.js';
import { colors, forTerminal as term, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld } from '../world/open.js';
import { activityJson } from './json.js';
import { reportStale } from './task.js';

export async function log(o: OptionsOf<'log'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true, access: 'read' }, (ws) => {
    reportStale(ws, ctx);
    let since: string | undefined;
    if (o.since !== undefined) {
      since = parseSince(o.since, ctx.now());
      if (!since) {
        const m = commandMessages.badSince(o.since);
        throw new SortieError('USAGE', m.message, { hint: m.hint });
      }
    }
    const missionId = o.mission !== undefined ? findMission(ws.db, o.mission).id : undefined;
    const limit = o.limit === undefined ? undefined : Number(o.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new SortieError('USAGE', commandMessages.badLimit(String(o.limit)));
    const rows = queryActivity(ws.db, {
      since,
      missionId,
      agent: o.agent,
      taskId: o.task,
      limit,
    });
    if (o.json) {
      printJson(ctx, { since: since ?? null, activity: rows.map(activityJson) });
      return 0;
    }
    if (rows.length === 0) {
      print(ctx, commandMessages.noActivity(since));
      return 0;
    }
    const c = colors(ctx);
    const names = new Map<number, string>();
    const nameOf = (id: number | null) => {
      if (id === null) return '';
      if (!names.has(id)) names.set(id, getMission(ws.db, id)?.codename ?? `#${id}`);
      return names.get(id)!;
    };
    for (const a of rows) {
      print(ctx, `${c.dim(a.at.slice(0, 19).replace('T', ' '))}  ${a.kind.padEnd(17)} ${term(a.task_id ?? '', 80).padEnd(12)} ${term(nameOf(a.mission_id), 60)}${a.agent ? c.dim(` (${term(a.agent, 40)})`) : ''}${a.detail ? c.dim(`  ${term(a.detail, 160)}`) : ''}`);
    }
    return 0;
  });
}
