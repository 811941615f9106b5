import { statSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError, errorMessage } from '../errors.js';
import { parseSince, iso } from '../time.js';
import { boardData, missionData, timelineData } from '../ui/data.js';
import { loadAssets, reportPage } from '../ui/page.js';
import { STATUSES } from '../tasks/status.js';
import { colors, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld } from '../world/open.js';
import { TASKS } from './task.js';
import { uiWorld } from './ui.js';
import { repoPath } from './json.js';

/** How much a report carries: enough to read, small enough to attach to a pull request. */
const OPEN_CARDS = 200;
const CLOSED_CARDS = 50;
const MISSION_PAGES = 50;

/**
 * `sortie report --html <file>`: the board and timeline of `sortie ui` as one self-contained HTML
 * file (data, script and style inline, no network), for CI artifacts and pull-request comments.
 */
export async function report(o: OptionsOf<'report'>, ctx: Ctx): Promise<number> {
  const out = o.html;
  if (!out) {
    const m = commandMessages.reportNeedsFile();
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
  let from: string | undefined;
  if (o.since !== undefined) {
    from = parseSince(o.since, ctx.now());
    if (!from) {
      const m = commandMessages.badSince(o.since, 'sortie report --html r.html --since 3d');
      throw new SortieError('USAGE', m.message, { hint: m.hint });
    }
  }
  return withWorld(ctx, TASKS, (ws) => {
    const w = uiWorld(ws, ctx);
    const pages = Object.fromEntries(STATUSES.map((s) => [s, s === 'COMPLETE' || s === 'ABORTED' ? CLOSED_CARDS : OPEN_CARDS]));
    const board = boardData(w, pages);
    const timeline = timelineData(w, from ? { from, to: iso(ctx.now()) } : {});
    // Mission pages for the most recent missions of the window, without the re-rendered context.
    const missions: Record<number, unknown> = {};
    for (const m of timeline.missions.slice(-MISSION_PAGES)) {
      const d = missionData(w, m.id);
      if (d) missions[m.id] = { ...d, context: '' };
    }
    const html = reportPage(loadAssets(), { generatedAt: iso(ctx.now()), board, timeline, missions });
    const file = resolve(ctx.cwd, out);
    try {
      writeFileSync(file, html);
    } catch (e) {
      throw new SortieError('USAGE', commandMessages.cannotWrite(file, errorMessage(e)), { cause: e });
    }
    const tasks = board.columns.reduce((n, c) => n + c.total, 0);
    const bytes = statSync(file).size;
    // The file relative to the repository (absolute when written outside it); the counts of what it shows.
    if (o.json) printJson(ctx, { file: repoPath(ws.repo.root, file), bytes, tasks, missions: timeline.missions.length, markers: timeline.markers.length, from: timeline.from, to: timeline.to });
    else {
      print(ctx, commandMessages.wrote(colors(ctx), relative(ctx.cwd, file) || file, Math.max(1, Math.round(bytes / 1024))));
      print(ctx, `  board: ${tasks} tasks; timeline: ${timeline.missions.length} missions, ${timeline.markers.length} events, ${timeline.from.slice(0, 16)}Z to ${timeline.to.slice(0, 16)}Z`);
    }
    return 0;
  });
}
