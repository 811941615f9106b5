import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { describeMission, resolveActor } from '../missions/identity.js';
import { identityHints } from '../agents/index.js';
import { endMission, findMission, getMission, listMissions, missionCommits, reapMissions, setHandoff, type MissionRow } from '../missions/missions.js';
import { claimsOf } from '../tasks/tasks.js';
import { iso, shortTime } from '../time.js';
import { colors, forTerminal as term, forTerminalBlock, print, printJson, table } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld, type World } from '../world/open.js';
import { commitJson, missionJson, reapedJson } from './json.js';
import { reportStale } from './task.js';

function target(ws: World, ctx: Ctx, ref: string | undefined): MissionRow {
  if (ref) return findMission(ws.db, ref);
  const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now(), { create: false });
  if (!actor) {
    const m = commandMessages.noMissionYet();
    throw new SortieError('MISSION_NOT_FOUND', m.message, { hint: m.hint });
  }
  return actor.mission;
}

export async function list(o: OptionsOf<'mission list'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true, access: 'read' }, (ws) => {
    reportStale(ws, ctx);
    const rows = listMissions(ws.db, { all: o.all, limit: Number(o.limit ?? 50) || 50 });
    if (o.json) {
      printJson(ctx, { missions: rows.map((m) => missionJson(ws.db, m)) });
      return 0;
    }
    if (rows.length === 0) {
      print(ctx, commandMessages.noMissions(o.all));
      return 0;
    }
    const c = colors(ctx);
    const now = ctx.now();
    print(
      ctx,
      table([
        ['#', 'CODENAME', 'AGENT', 'BRANCH', 'STARTED', 'STATE', 'HOLDS'].map((h) => c.dim(h)),
        ...rows.map((m) => [
          String(m.id),
          c.bold(term(m.codename, 60)),
          term(m.kind === 'person' ? m.person : m.agent, 60),
          term(m.branch ?? '', 60),
          shortTime(m.started_at, now),
          m.ended_at ? c.dim(`ended (${term(m.end_reason, 40)})`) : c.green('live'),
          term(
            claimsOf(ws.db, m.id)
              .map((x) => x.task_id)
              .join(', '),
            200,
          ),
        ]),
      ]),
    );
    return 0;
  });
}

export async function show(o: OptionsOf<'mission show'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true, access: 'read' }, (ws) => {
    reportStale(ws, ctx);
    const m = target(ws, ctx, o.mission);
    const commits = missionCommits(ws.db, m.id, 20);
    if (o.json) {
      printJson(ctx, { mission: { ...missionJson(ws.db, m), checkpoint: m.checkpoint ? (JSON.parse(m.checkpoint) as unknown) : null, commits: commits.map(commitJson) } });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold(term(m.codename, 60))}  mission #${m.id}  ${m.kind === 'person' ? `person ${term(m.person, 80)}` : term(m.agent, 40)}`);
    print(ctx, `started ${term(m.started_at, 40)}${m.branch ? ` on ${term(m.branch, 120)}` : ''}; last seen ${term(m.last_seen_at, 40)}`);
    print(ctx, m.ended_at ? `ended ${term(m.ended_at, 40)} (${term(m.end_reason, 80)})` : c.green('live'));
    if (m.source) print(ctx, c.dim(term(`imported from ${m.source}${m.persona ? `; persona ${m.persona}${m.role ? ` (${m.role})` : ''}` : m.role ? `; role ${m.role}` : ''}`, 300)));
    const held = claimsOf(ws.db, m.id);
    print(ctx, `holds: ${held.length ? term(held.map((h) => h.task_id).join(', '), 400) : 'nothing'}`);
    if (commits.length) {
      print(ctx, '\ncommits:');
      for (const k of commits) print(ctx, `  ${k.sha.slice(0, 10)}  ${term(k.subject, 80)}`);
    }
    if (m.handoff) print(ctx, `\nhandoff:\n${forTerminalBlock(m.handoff, 4000)}`);
    else if (m.summary) print(ctx, `\nsummary: ${forTerminalBlock(m.summary, 1000)}`);
    return 0;
  });
}

export async function end(o: OptionsOf<'mission end'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true }, (ws) => {
    const m = target(ws, ctx, o.mission);
    if (m.ended_at) {
      if (o.json) printJson(ctx, { mission: missionJson(ws.db, m), ended: false, released: [] });
      else print(ctx, commandMessages.alreadyEnded(m));
      return 0;
    }
    const released = endMission(ws.db, m, {
      reason: o.reason ?? 'manual',
      at: iso(ctx.now()),
      handoff: o.handoff,
    });
    if (o.json) printJson(ctx, { mission: missionJson(ws.db, getMission(ws.db, m.id)!), ended: true, released });
    else print(ctx, commandMessages.ended(describeMission(m), released));
    return 0;
  });
}

export async function note(o: OptionsOf<'mission note'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true }, (ws) => {
    const text = o.text.trim();
    if (!text) {
      const m = commandMessages.emptyNote();
      throw new SortieError('USAGE', m.message, { hint: m.hint });
    }
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now())!;
    const at = iso(ctx.now());
    const m = actor.mission;
    const next = o.append && m.handoff ? `${m.handoff}\n${text}` : text;
    setHandoff(ws.db, m, next, at);
    if (o.json) printJson(ctx, { mission: missionJson(ws.db, getMission(ws.db, m.id)!) });
    else print(ctx, commandMessages.notesSaved(m.codename));
    return 0;
  });
}

export async function reap(o: OptionsOf<'mission reap'>, ctx: Ctx): Promise<number> {
  return withWorld(ctx, { catchUp: true }, (ws) => {
    const reaped = reapMissions(ws.db, { now: ctx.now(), staleAfter: ws.config.missions.staleAfter });
    if (o.json) printJson(ctx, { reaped: reaped.map(reapedJson) });
    else if (reaped.length === 0) print(ctx, commandMessages.noneToReap());
    else for (const r of reaped) print(ctx, commandMessages.reaped(r));
    return 0;
  });
}
