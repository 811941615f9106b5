import type { Parsed } from '../cli.js';
import { SortieError } from '../errors.js';
import { record } from '../activity.js';
import { describeMission, resolveActor } from '../missions/identity.js';
import { endMission, findMission, listMissions, reapMissions, type MissionRow } from '../missions/missions.js';
import { claimsOf } from '../tasks/tasks.js';
import { immediate, withBusyRetry } from '../store/open.js';
import { iso, shortTime } from '../time.js';
import { clean, colors, print, printJson, table } from '../ui.js';
import { withWorkspace, type Ctx, type Workspace } from '../workspace.js';

export function missionJson(ws: Workspace, m: MissionRow): Record<string, unknown> {
  return {
    id: m.id,
    codename: m.codename,
    kind: m.kind,
    agent: m.agent,
    person: m.person,
    sessionId: m.session_id,
    branch: m.branch,
    worktree: m.worktree,
    pid: m.pid,
    startedAt: m.started_at,
    lastSeenAt: m.last_seen_at,
    endedAt: m.ended_at,
    endReason: m.end_reason,
    handoff: m.handoff,
    summary: m.summary,
    persona: m.persona,
    role: m.role,
    source: m.source,
    claims: claimsOf(ws.db, m.id).map((c) => ({ task: c.task_id, since: c.claimed_at })),
  };
}

function target(ws: Workspace, ref: string | undefined): MissionRow {
  if (ref) return findMission(ws.db, ref);
  const actor = resolveActor(ws.db, ws.ctx.env, ws.ctx.cwd, ws.ctx.now(), { create: false });
  if (!actor) throw new SortieError('MISSION_NOT_FOUND', 'you have no mission here yet', { hint: 'name one: sortie mission show <id|codename>  (sortie mission list)' });
  return actor.mission;
}

export async function list(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    const rows = listMissions(ws.db, { all: p.values.all === true, limit: Number(p.values.limit ?? 50) || 50 });
    if (p.values.json) {
      printJson(ctx, { missions: rows.map((m) => missionJson(ws, m)) });
      return 0;
    }
    if (rows.length === 0) {
      print(ctx, p.values.all ? 'no missions recorded yet' : 'no live missions (sortie mission list --all shows ended ones)');
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
          c.bold(m.codename),
          m.kind === 'person' ? `${m.person}` : m.agent,
          m.branch ?? '',
          shortTime(m.started_at, now),
          m.ended_at ? c.dim(`ended (${m.end_reason})`) : c.green('live'),
          claimsOf(ws.db, m.id)
            .map((x) => x.task_id)
            .join(', '),
        ]),
      ]),
    );
    return 0;
  });
}

export async function show(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    const m = target(ws, p.positionals[0]);
    const commits = ws.db.prepare('SELECT sha, subject, at, tasks FROM commits WHERE mission_id = ? ORDER BY at DESC LIMIT 20').all(m.id) as {
      sha: string;
      subject: string;
      at: string;
      tasks: string;
    }[];
    if (p.values.json) {
      printJson(ctx, { mission: { ...missionJson(ws, m), checkpoint: m.checkpoint ? (JSON.parse(m.checkpoint) as unknown) : null, commits } });
      return 0;
    }
    const c = colors(ctx);
    print(ctx, `${c.bold(m.codename)}  mission #${m.id}  ${m.kind === 'person' ? `person ${m.person}` : m.agent}`);
    print(ctx, `started ${m.started_at}${m.branch ? ` on ${m.branch}` : ''}; last seen ${m.last_seen_at}`);
    print(ctx, m.ended_at ? `ended ${m.ended_at} (${m.end_reason})` : c.green('live'));
    if (m.source) print(ctx, c.dim(`imported from ${m.source}${m.persona ? `; persona ${m.persona}${m.role ? ` (${m.role})` : ''}` : m.role ? `; role ${m.role}` : ''}`));
    const held = claimsOf(ws.db, m.id);
    print(ctx, `holds: ${held.length ? held.map((h) => h.task_id).join(', ') : 'nothing'}`);
    if (commits.length) {
      print(ctx, '\ncommits:');
      for (const k of commits) print(ctx, `  ${k.sha.slice(0, 10)}  ${clean(k.subject, 80)}`);
    }
    if (m.handoff) print(ctx, `\nhandoff:\n${clean(m.handoff, 4000)}`);
    else if (m.summary) print(ctx, `\nsummary: ${clean(m.summary, 1000)}`);
    return 0;
  });
}

export async function end(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    const m = target(ws, p.positionals[0]);
    if (m.ended_at) {
      if (p.values.json) printJson(ctx, { mission: m.id, ended: false, endedAt: m.ended_at });
      else print(ctx, `${m.codename} already ended ${m.ended_at} (${m.end_reason})`);
      return 0;
    }
    const released = endMission(ws.db, m, {
      reason: typeof p.values.reason === 'string' ? p.values.reason : 'manual',
      at: iso(ctx.now()),
      handoff: typeof p.values.handoff === 'string' ? p.values.handoff : undefined,
    });
    if (p.values.json) printJson(ctx, { mission: m.id, ended: true, released });
    else print(ctx, `ended ${describeMission(m)}${released.length ? `; released ${released.join(', ')} (waiting for pickup)` : ''}`);
    return 0;
  });
}

export async function note(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    const text = p.positionals.join(' ').trim();
    if (!text) throw new SortieError('USAGE', 'empty note', { hint: 'sortie mission note "what is done, what is next"' });
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now())!;
    const at = iso(ctx.now());
    const m = actor.mission;
    const next = p.values.append && m.handoff ? `${m.handoff}\n${text}` : text;
    withBusyRetry(() =>
      immediate(ws.db, () => {
        ws.db.prepare('UPDATE missions SET handoff = ?, last_seen_at = MAX(last_seen_at, ?) WHERE id = ?').run(next, at, m.id);
        record(ws.db, { kind: 'mission.note', at, missionId: m.id, agent: m.agent, detail: { chars: next.length } });
      }),
    );
    if (p.values.json) printJson(ctx, { mission: m.id, handoff: next });
    else print(ctx, `handoff notes saved on ${m.codename}; they are shown to whoever continues this work`);
    return 0;
  });
}

export async function reap(p: Parsed, ctx: Ctx): Promise<number> {
  return withWorkspace(ctx, (ws) => {
    const reaped = reapMissions(ws.db, { now: ctx.now(), staleAfter: ws.config.missions.staleAfter });
    if (p.values.json) printJson(ctx, { reaped });
    else if (reaped.length === 0) print(ctx, 'no dead or silent missions');
    else for (const r of reaped) print(ctx, `reaped ${r.codename} (${r.agent}): ${r.reason === 'process-gone' ? 'agent process gone' : 'no sign of life'}, ended at ${r.endedAt}${r.released.length ? `; released ${r.released.join(', ')}` : ''}`);
    return 0;
  });
}
