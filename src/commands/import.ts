import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import type { Ctx } from '../ctx.js';
import { SortieError } from '../errors.js';
import { applyPlan, resolvePlan, type ApplyResult, type ResolvedPlan } from '../import/apply.js';
import { fileHistory } from '../import/read.js';
import { SOURCES, type Origin, type ReadContext, type Source, type SourceName } from '../import/types.js';
import { nearest } from '../text.js';
import { colors, forTerminal as term, print, printJson } from '../ui.js';
import { refresh, withWorld, type World } from '../world/open.js';
import { getMission } from '../missions/missions.js';
import { rowToTask } from '../tasks/row.js';
import { readTask, taskRow } from '../tasks/tasks.js';
import { missionJson, repoPath, taskJson } from './json.js';

const loaders: Record<SourceName, () => Promise<Source>> = {
  'site-nine': async () => (await import('../import/site-nine.js')).siteNine,
  overstory: async () => (await import('../import/overstory.js')).overstory,
  sessions: async () => (await import('../import/sessions.js')).sessions,
  taskr: async () => (await import('../import/taskr.js')).taskr,
  workstreams: async () => (await import('../import/workstreams.js')).workstreams,
};

const isSource = (name: string): name is SourceName => (SOURCES as readonly string[]).includes(name);

/**
 * `sortie import <source> [path]`: prints the plan (what would be created, changed and skipped,
 * and why); writes only with `--apply`. The source is only ever read.
 */
export async function importCommand(o: OptionsOf<'import'>, ctx: Ctx): Promise<number> {
  const name = o.source;
  if (!isSource(name)) {
    const m = commandMessages.unknownSource(name, nearest(name, [...SOURCES]), SOURCES);
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
  const source = await loaders[name]();
  // What the database-free hooks queued is applied first; the task index is brought in step only
  // before writing, so a dry run writes nothing of its own.
  return withWorld(ctx, { catchUp: true }, async (w) => {
    const rctx: ReadContext = { root: w.repo.root, env: ctx.env, now: ctx.now(), config: w.config, history: fileHistory(w.repo.root, ctx.env) };
    let paths: string[];
    if (o.path !== undefined) {
      const given = resolve(ctx.cwd, o.path);
      if (!existsSync(given)) {
        const m = commandMessages.noSuchSourcePath(name, o.path);
        throw new SortieError('USAGE', m.message, { hint: m.hint });
      }
      paths = [given];
    } else {
      paths = source.locate(rctx);
      if (paths.length === 0) {
        const m = commandMessages.noSourceFound(name, source.looked);
        throw new SortieError('USAGE', m.message, { hint: m.hint });
      }
    }
    const plan = await source.plan(rctx, paths);
    const mapIds = o.mapIds;
    let resolved = resolvePlan(w, plan, { mapIds });
    // How to run this import again, for the hints.
    const again = `sortie import ${name}${o.path !== undefined ? ` ${o.path}` : ''}`;
    if (o.presetCheck) return presetCheck(ctx, again, resolved, o.json);
    // Writing starts from an index in step with the task files. A dry run, and an --apply that is
    // refused, write nothing at all.
    if (o.apply && !resolved.ids.blocked) {
      refresh(w, { sync: 'full' }, ctx);
      resolved = resolvePlan(w, plan, { mapIds });
    }
    const result = o.apply ? applyPlan(w, resolved, ctx.now()) : undefined;
    // The index remembers the folder as it is now, so the next command has nothing to re-read.
    if (result) refresh(w, { sync: 'full' }, ctx);
    if (o.json) printJson(ctx, planJson(w, resolved, result));
    else printPlan(w, ctx, again, resolved, result);
    return 0;
  });
}

/** Repository-relative with `/` (a source outside the repository, such as ~/.taskr, stays absolute). */
function rel(ws: World, path: string): string {
  return repoPath(ws.repo.root, path);
}

/** Where in the source a record is: its file, and its row (a table and key) or line; null when the source has none. */
function originJson(ws: World, o: Origin): { path: string; row: string | null; line: number | null } {
  return { path: rel(ws, o.path), row: o.row ?? null, line: o.line ?? null };
}

/** A task the import created, as every command shows a task (from the index, which the import brought in step). */
function createdTaskJson(ws: World, id: string) {
  const row = taskRow(ws.db, id);
  if (row) return taskJson(ws.db, ws.repo.root, rowToTask(row));
  const { body: _b, data: _d, ...task } = readTask(ws, id);
  return taskJson(ws.db, ws.repo.root, task);
}

function where(ws: World, o: Origin): string {
  return `${rel(ws, o.path)}${o.line !== undefined ? `:${o.line}` : ''}${o.row !== undefined ? ` (${o.row})` : ''}`;
}

function counts(r: ResolvedPlan) {
  const events = r.events.length + r.missions.reduce((n, m) => n + m.events.length, 0);
  return {
    create: r.tasks.length + r.missions.length + events,
    tasks: r.tasks.length,
    missions: r.missions.length,
    events,
    change: r.labels.length,
    already: r.already.length,
    skipped: r.skipped.length,
    defects: r.defects.length,
  };
}

function planJson(ws: World, r: ResolvedPlan, result?: ApplyResult): Record<string, unknown> {
  return {
    source: r.source,
    applied: result !== undefined,
    read: r.read.map((f) => rel(ws, f)),
    ids: {
      pattern: r.ids.pattern,
      fit: r.ids.misfit.length === 0,
      blocked: r.ids.blocked,
      misfit: r.ids.misfit.map((m) => ({ id: m.id, origin: originJson(ws, m.origin) })),
      preset: r.ids.preset ?? null,
      mapped: r.ids.mapped.map((m) => ({ from: m.from, to: m.to, key: m.key })),
    },
    create: {
      tasks: r.tasks.map((t) => ({
        id: t.id,
        sourceId: t.sourceId,
        title: t.title,
        status: t.status,
        priority: t.priority,
        role: t.role ?? null,
        labels: t.labels,
        dependsOn: t.dependsOn,
        created: t.created ?? null,
        closed: t.closed ?? null,
        source: t.source,
        origin: originJson(ws, t.origin),
      })),
      missions: r.missions.map((a) => ({
        source: a.source,
        agent: a.mission.agent,
        codename: a.mission.codename ?? null,
        persona: a.mission.persona ?? null,
        role: a.mission.role ?? null,
        startedAt: a.mission.startedAt,
        endedAt: a.mission.endedAt ?? null,
        endReason: a.mission.endedAt ? (a.mission.endReason ?? 'ended') : null,
        live: a.mission.endedAt === undefined,
        handoff: a.mission.handoff ?? null,
        summary: a.mission.summary ?? null,
        events: a.events.map((e) => ({ kind: e.event.kind, at: e.event.at, task: e.taskId ?? null, work: e.event.work ?? null })),
        holds: a.holds,
        origin: originJson(ws, a.mission.origin),
      })),
      events: r.events.map((e) => ({ kind: e.event.kind, at: e.event.at, task: e.taskId ?? null, work: e.event.work ?? null, origin: e.event.origin ? originJson(ws, e.event.origin) : null })),
    },
    change: r.labels.map((l) => ({ task: l.task, path: rel(ws, l.path), addLabels: l.add, why: l.why })),
    already: r.already,
    skipped: r.skipped.map((s) => ({ ...originJson(ws, s.origin), what: s.what, why: s.why })),
    defects: r.defects.map((d) => ({ ...originJson(ws, d.origin), defect: d.defect, handled: d.handled })),
    counts: counts(r),
    ...(result
      ? {
          result: {
            tasks: result.tasks.map((t) => createdTaskJson(ws, t.id)),
            missions: result.missions.map((m) => missionJson(ws.db, getMission(ws.db, m.id)!)),
            events: result.events,
            labels: result.labels,
            claims: result.claims,
            unclaimed: result.unclaimed,
          },
        }
      : {}),
  };
}

function printPlan(ws: World, ctx: Ctx, again: string, r: ResolvedPlan, result?: ApplyResult): void {
  const c = colors(ctx);
  const n = counts(r);
  print(ctx, commandMessages.importHeader(c, r.source, result !== undefined));
  print(ctx, c.dim(`read: ${readSummary(ws, r.read) || 'nothing'}`));

  if (r.ids.blocked) {
    print(ctx, `\n${commandMessages.idsMisfit(c, r.ids.pattern, r.ids.misfit.map((m) => m.id))}`);
    if (r.ids.preset) print(ctx, `  ${commandMessages.idsFitPreset(r.ids.preset)}`);
    print(ctx, `  ${commandMessages.idsMapHint(again)}`);
  }
  if (r.ids.mapped.length) {
    print(ctx, `\n${c.bold(`ids mapped (old -> new), dependencies rewritten (${r.ids.mapped.length}):`)}`);
    const w = Math.max(...r.ids.mapped.map((m) => m.from.length));
    for (const m of r.ids.mapped) print(ctx, `  ${term(m.from, 80).padEnd(w)}  -> ${m.to}${m.key !== m.from ? c.dim(`  (${term(m.key, 80)})`) : ''}`);
  }
  if (r.tasks.length) {
    print(ctx, `\n${c.bold(`tasks to create (${r.tasks.length}):`)}`);
    for (const t of r.tasks) {
      print(ctx, `  ${term(t.id, 80)}  ${t.status}  ${t.priority}  ${term(t.title, 70)}${t.labels.length ? c.dim(`  [${term(t.labels.join(', '), 200)}]`) : ''}${t.dependsOn.length ? c.dim(`  after ${term(t.dependsOn.join(', '), 200)}`) : ''}`);
      print(ctx, c.dim(`      from ${term(where(ws, t.origin), 300)}`));
    }
  }
  if (r.missions.length) {
    print(ctx, `\n${c.bold(`missions to create (${r.missions.length}):`)}`);
    for (const a of r.missions) {
      const m = a.mission;
      const who = [m.agent, m.persona && m.persona !== m.codename ? m.persona : undefined, m.role ? `(${m.role})` : undefined].filter(Boolean).join(' ');
      const span = `${term(m.startedAt.slice(0, 16).replace('T', ' '), 20)}Z -> ${m.endedAt ? `${term(m.endedAt.slice(0, 16).replace('T', ' '), 20)}Z ${term(m.endReason ?? 'ended', 60)}` : c.green('live')}`;
      const extra = [m.handoff ? 'handoff' : undefined, a.events.length ? `${a.events.length} history events` : undefined, a.holds.length ? `holds ${a.holds.join(', ')}` : undefined].filter(Boolean).join(', ');
      print(ctx, `  ${m.codename ? term(m.codename, 60) : c.dim('(codename from its id)')}  ${term(who, 120)}  ${span}${extra ? c.dim(`  ${term(extra, 200)}`) : ''}`);
      print(ctx, c.dim(`      from ${term(where(ws, m.origin), 300)}`));
    }
  }
  if (r.events.length) print(ctx, `\n${c.bold(`history events to add on their own: ${r.events.length}`)}`);
  if (r.labels.length) {
    print(ctx, `\n${c.bold(`tasks to change (${r.labels.length}):`)}`);
    for (const l of r.labels) print(ctx, `  ${term(l.task, 80)}: add labels ${term(l.add.join(', '), 200)} ${c.dim(`(${term(l.why.join('; '), 300)})`)}`);
  }
  if (r.already.length) {
    const by = (k: string) => r.already.filter((a) => a.kind === k).length;
    print(ctx, `\n${c.dim(`already imported: ${by('task')} tasks, ${by('mission')} missions, ${by('event')} events (nothing to do for them)`)}`);
  }
  if (r.skipped.length) {
    print(ctx, `\n${c.yellow(`skipped (${r.skipped.length}):`)}`);
    for (const s of r.skipped) print(ctx, `  ${term(where(ws, s.origin), 300)}: ${term(s.what, 200)}: ${term(s.why, 300)}`);
  }
  if (r.defects.length) {
    print(ctx, `\n${c.bold(`known defects met, and what was done (${r.defects.length}):`)}`);
    for (const d of r.defects) print(ctx, `  ${term(where(ws, d.origin), 300)}: ${term(d.defect, 300)}\n      -> ${term(d.handled, 300)}`);
  }
  print(ctx, `\n${n.create} to create (${n.tasks} tasks, ${n.missions} missions, ${n.events} history events), ${n.change} to change, ${n.already} already imported, ${n.skipped} skipped`);
  if (result) {
    print(ctx, commandMessages.imported(c, { tasks: result.tasks.length, missions: result.missions.length, events: result.events, labels: result.labels.length, claims: result.claims.length }));
    for (const t of result.tasks) print(ctx, c.dim(`  ${t.id}  ${rel(ws, t.path)}`));
    for (const u of result.unclaimed) print(ctx, `  ${commandMessages.notClaimed(c, u)}`);
    if (result.tasks.length || result.missions.length) print(ctx, commandMessages.afterImport());
  } else if (r.ids.blocked) print(ctx, commandMessages.applyWillRefuse(c));
}

/** Files in folders of more than two are counted, not listed (the JSON lists every one). */
function readSummary(ws: World, files: string[]): string {
  const byDir = new Map<string, string[]>();
  for (const f of files.map((x) => rel(ws, x))) {
    const d = f.includes('/') ? f.slice(0, f.lastIndexOf('/') + 1) : '';
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  return [...byDir.entries()].map(([d, fs]) => (fs.length > 2 ? `${d} (${fs.length} files)` : fs.join(', '))).join(', ');
}

function presetCheck(ctx: Ctx, again: string, r: ResolvedPlan, json: boolean): number {
  const fit = r.ids.misfit.length === 0;
  if (json) printJson(ctx, { pattern: r.ids.pattern, fit, misfit: r.ids.misfit.map((m) => m.id), preset: r.ids.preset ?? null });
  else if (fit) print(ctx, commandMessages.idsAllFit(r.source, r.ids.pattern));
  else {
    print(ctx, commandMessages.idsDoNotFit(r.source, r.ids.pattern, r.ids.misfit.map((m) => m.id)));
    print(ctx, r.ids.preset ? commandMessages.idsFitPreset(r.ids.preset) : commandMessages.noPresetFits(again));
  }
  return fit ? 0 : 1;
}
