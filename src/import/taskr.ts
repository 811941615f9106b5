import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { git } from '../git.js';
import { parsePriority, type Status } from '../tasks/status.js';
import { columnsOf, firstColumn, frontMatter, latest, line, openSnapshot, SourceReadError, str, text, utc, type Row } from './read.js';
import { emptyPlan, type PlannedEvent, type PlannedMission, type PlannedTask, type ReadContext, type Source, type SourcePlan } from './types.js';

/**
 * taskr's sessions module (with its tasks module when the same database has it). SQLite:
 * `agent_sessions` (id, agent_id, started_at, ended_at, summary, handoff_notes, context),
 * `agent_activity` (id, agent_id, session_id, activity_type claim_work/release_work, target_type
 * issue/pr/qa, target_id `owner/repo#15`, repo, notes `[completed|blocked|deferred] ...`,
 * created_at; the module's documentation calls them work_type, work_id and status, which are read
 * too) and `tasks` (id, title, description, status open/in_progress/done/cancelled, priority,
 * assignee, tags, created_at, completed_at, deleted_at).
 *
 * taskr keeps one database per user (`~/.taskr/taskr.db`, or `database.sqlite.path` in
 * `~/.taskr/config.yaml`), not per repository: a `.taskr/taskr.db` in the repository is looked for
 * first. Its times have no zone (SQLite `datetime('now')`, Python `utcnow()`): read as UTC.
 */
export const taskr: Source = {
  looked: ['.taskr/taskr.db', '~/.taskr/config.yaml (database.sqlite.path)', '~/.taskr/taskr.db'],
  locate(ctx) {
    const inRepo = join(ctx.root, '.taskr', 'taskr.db');
    if (existsSync(inRepo)) return [inRepo];
    const home = ctx.env.HOME;
    if (!home) return [];
    const cfg = join(home, '.taskr', 'config.yaml');
    if (existsSync(cfg)) {
      try {
        const data = frontMatter(`---\n${readFileSync(cfg, 'utf8')}\n---\n`, cfg).data as { database?: { sqlite?: { path?: unknown } } } | undefined;
        const p = str(data?.database?.sqlite?.path);
        if (p) {
          const abs = p.startsWith('~/') ? join(home, p.slice(2)) : isAbsolute(p) ? p : join(home, '.taskr', p);
          if (existsSync(abs)) return [abs];
        }
      } catch {
        // an unreadable config: fall back to the default path
      }
    }
    const def = join(home, '.taskr', 'taskr.db');
    return existsSync(def) ? [def] : [];
  },
  plan: planTaskr,
};

const TASK_STATUS: Record<string, Status> = { open: 'TODO', in_progress: 'UNDERWAY', done: 'COMPLETE', cancelled: 'ABORTED' };
const CLAIM = new Set(['claim_work', 'claim']);
const RELEASE = new Set(['release_work', 'release']);

/** `owner/name` of the repository's origin remote, to match taskr's `repo` column. */
function originRepo(ctx: ReadContext): string | undefined {
  const r = git(['remote', 'get-url', 'origin'], { cwd: ctx.root, env: ctx.env });
  const m = r.ok ? /[:/]([^/:]+\/[^/]+?)(?:\.git)?\/?$/.exec(r.out) : undefined;
  return m?.[1];
}

function planTaskr(ctx: ReadContext, paths: string[]): SourcePlan {
  const plan = emptyPlan('taskr');
  let file = paths[0]!;
  if (statSync(file).isDirectory()) file = existsSync(join(file, '.taskr', 'taskr.db')) ? join(file, '.taskr', 'taskr.db') : join(file, 'taskr.db');
  let snap;
  try {
    snap = openSnapshot(file);
  } catch (e) {
    if (!(e instanceof SourceReadError)) throw e;
    plan.skipped.push({ origin: { path: file }, what: 'the taskr database', why: e.message });
    return plan;
  }
  plan.read.push(file);
  const origin = (row: string) => ({ path: file, row });
  let naive = 0;
  const time = (v: unknown) => {
    const t = utc(v);
    if (t?.naive) naive++;
    return t?.iso;
  };
  let sessions: Row[] = [];
  let activity: Row[] = [];
  let taskRows: Row[] = [];
  let acols = new Set<string>();
  try {
    const db = snap.db;
    if (columnsOf(db, 'agent_sessions')) sessions = db.prepare('SELECT * FROM agent_sessions ORDER BY started_at').all() as Row[];
    else plan.skipped.push({ origin: { path: file }, what: 'sessions', why: 'the database has no table "agent_sessions"' });
    const ac = columnsOf(db, 'agent_activity');
    if (ac) {
      acols = ac;
      activity = db.prepare('SELECT * FROM agent_activity ORDER BY created_at').all() as Row[];
    } else plan.skipped.push({ origin: { path: file }, what: 'claims', why: 'the database has no table "agent_activity"' });
    if (columnsOf(db, 'tasks')) taskRows = db.prepare('SELECT * FROM tasks ORDER BY created_at').all() as Row[];
  } finally {
    snap.close();
  }

  const outside = relative(ctx.root, file).startsWith('..');
  const here = originRepo(ctx);
  const typeCol = firstColumn(acols, 'target_type', 'work_type');
  const idCol = firstColumn(acols, 'target_id', 'work_id');

  // Tasks.
  const tasks = new Map<string, PlannedTask>();
  for (const r of taskRows) {
    const id = str(r.id);
    const o = origin(`tasks ${id ?? '?'}`);
    if (!id) continue;
    if (str(r.deleted_at)) {
      plan.skipped.push({ origin: o, what: `task ${line(r.title, 60) ?? id}`, why: `deleted in taskr at ${String(r.deleted_at)}` });
      continue;
    }
    const s = str(r.status)?.toLowerCase();
    const status = s ? TASK_STATUS[s] : undefined;
    if (!status) {
      plan.skipped.push({ origin: o, what: `task ${line(r.title, 60) ?? id}`, why: `unknown status "${s ?? ''}" (taskr's are ${Object.keys(TASK_STATUS).join(', ')})` });
      continue;
    }
    let tags: string[] = [];
    try {
      const v = typeof r.tags === 'string' ? (JSON.parse(r.tags) as unknown) : r.tags;
      if (Array.isArray(v)) tags = v.map((x) => line(x, 60)).filter((x): x is string => Boolean(x));
    } catch {
      plan.defects.push({ origin: o, defect: `tags are not a JSON array (${String(r.tags).slice(0, 60)})`, handled: 'imported without labels' });
    }
    const body = [
      text(r.description),
      [str(r.assignee) ? `taskr assignee: ${line(r.assignee)}` : undefined, str(r.due_at) ? `due: ${time(r.due_at) ?? str(r.due_at)}` : undefined, str(r.created_by) ? `created by: ${line(r.created_by)}` : undefined]
        .filter(Boolean)
        .join('  \n'),
    ]
      .filter(Boolean)
      .join('\n\n');
    tasks.set(`task/${id}`, {
      key: `task/${id}`,
      id,
      title: line(r.title) ?? id,
      status,
      priority: parsePriority(r.priority) ?? 'medium',
      labels: tags.map((t) => t.toLowerCase().replace(/\s+/g, '-')),
      dependsOn: [],
      created: time(r.created_at),
      closed: status === 'COMPLETE' || status === 'ABORTED' ? (time(r.completed_at) ?? time(r.updated_at)) : undefined,
      body,
      origin: o,
    });
  }
  if (outside && tasks.size) {
    plan.defects.push({ origin: { path: file }, defect: 'this taskr database belongs to the user, not to this repository, and its tasks name no repository', handled: `all ${tasks.size} tasks are in the plan: read it before --apply` });
  }
  plan.tasks.push(...tasks.values());

  // Claims and releases, per session.
  const bySession = new Map<string, PlannedEvent[]>();
  const loose: PlannedEvent[] = [];
  const otherRepos = new Map<string, number>();
  const otherTypes = new Map<string, number>();
  const sessionRepos = new Map<string, Set<string>>();
  const open = new Map<string, { at: string; agent: string; o: ReturnType<typeof origin> }>();
  for (const a of activity) {
    const id = str(a.id) ?? String(a.rowid ?? '');
    const o = origin(`agent_activity ${id}`);
    const kind = str(a.activity_type)?.toLowerCase() ?? '';
    if (!CLAIM.has(kind) && !RELEASE.has(kind)) {
      otherTypes.set(kind, (otherTypes.get(kind) ?? 0) + 1);
      continue;
    }
    const repo = str(a.repo);
    const sid = str(a.session_id);
    if (repo && sid) sessionRepos.set(sid, new Set([...(sessionRepos.get(sid) ?? []), repo]));
    if (repo && here && repo !== here) {
      otherRepos.set(repo, (otherRepos.get(repo) ?? 0) + 1);
      continue;
    }
    const type = (typeCol ? str(a[typeCol]) : undefined)?.toLowerCase();
    const rawId = idCol ? str(a[idCol]) : undefined;
    const target = rawId && repo && !rawId.includes('#') ? `${repo}#${rawId}` : rawId;
    const at = time(a.created_at);
    if (!target || !at) {
      plan.skipped.push({ origin: o, what: `${kind} activity`, why: !target ? 'it names no work item' : 'it has no time' });
      continue;
    }
    // `[blocked] waiting for keys` -> status blocked, note "waiting for keys".
    const notes = text(a.notes);
    const tagged = notes ? /^\[([a-z_]+)\]\s*(.*)$/is.exec(notes) : undefined;
    const status = str(a.status)?.toLowerCase() ?? tagged?.[1]?.toLowerCase();
    const note = tagged ? text(tagged[2]) : notes;
    const taskKey = type === 'task' && tasks.has(`task/${rawId}`) ? `task/${rawId}` : undefined;
    const agent = line(a.agent_id) ?? 'unknown';
    const e: PlannedEvent = {
      kind: CLAIM.has(kind) ? 'task.claimed' : 'task.released',
      at,
      task: taskKey,
      work: taskKey ? undefined : `${type ? `${type} ` : ''}${target}`,
      note,
      reason: RELEASE.has(kind) ? (status ?? 'released') : undefined,
      key: `activity/${id}`,
      agent,
      origin: o,
    };
    const workKey = taskKey ?? target;
    if (CLAIM.has(kind)) open.set(workKey, { at, agent, o });
    else open.delete(workKey);
    const session = sid ? `session/${sid}` : undefined;
    if (session) bySession.set(session, [...(bySession.get(session) ?? []), e]);
    else loose.push({ ...e, mission: undefined });
  }
  for (const [repo, n] of otherRepos) plan.skipped.push({ origin: { path: file }, what: `${n} claim and release rows`, why: `they are about ${repo}, not this repository (${here})` });
  for (const [type, n] of otherTypes) plan.skipped.push({ origin: { path: file }, what: `${n} activity rows of type "${type}"`, why: 'only claims and releases are history sortie keeps' });
  if (!here && otherRepos.size === 0 && activity.some((a) => str(a.repo))) {
    plan.defects.push({ origin: { path: file }, defect: 'this repository has no origin remote to match taskr\'s repo column', handled: 'claims on every repository are imported' });
  }
  for (const [work, c] of open) {
    plan.defects.push({ origin: c.o, defect: `the claim on ${work.replace(/^task\//, 'task ')} by ${c.agent} since ${c.at} was never released (a stale claim)`, handled: 'kept as history only: no live claim, as no process shows its holder alive' });
  }

  // Sessions.
  const missions = new Map<string, PlannedMission>();
  for (const r of sessions) {
    const id = str(r.id);
    const o = origin(`agent_sessions ${id ?? '?'}`);
    const startedAt = time(r.started_at) ?? time(r.created_at);
    if (!id || !startedAt) {
      plan.skipped.push({ origin: o, what: 'a session', why: !id ? 'it has no id' : 'it has no start time' });
      continue;
    }
    const repos = sessionRepos.get(id);
    if (here && repos && repos.size && !repos.has(here)) {
      plan.skipped.push({ origin: o, what: `session ${id}`, why: `its work was on ${[...repos].join(', ')}, not this repository` });
      continue;
    }
    const key = `session/${id}`;
    const events = bySession.get(key) ?? [];
    const none = (s: string | undefined) => (s && /^(none|n\/a|-)$/i.test(s.trim()) ? undefined : s);
    const context = line(r.context, 300);
    const m: PlannedMission = {
      key,
      origin: o,
      agent: line(r.agent_id) ?? 'unknown',
      startedAt,
      lastSeenAt: startedAt,
      handoff: none(text(r.handoff_notes)),
      summary: [none(text(r.summary)), context ? `Context: ${context}` : undefined].filter(Boolean).join('\n') || undefined,
      events,
      holds: [],
    };
    const ended = time(r.ended_at);
    if (ended) {
      m.endedAt = latest(startedAt, ended)!;
      m.endReason = 'completed';
    } else {
      const sign = latest(startedAt, time(r.updated_at), ...events.map((e) => e.at))!;
      m.endedAt = sign;
      m.endReason = 'abandoned';
      plan.defects.push({ origin: o, defect: 'session never ended (no ended_at)', handled: `closed as abandoned at its last sign of life, ${sign} (${sign === startedAt ? 'its start' : 'its last update or claim'})` });
    }
    m.lastSeenAt = m.endedAt;
    // Its handoff reaches the tasks it still held: what the next mission on them should read.
    if (m.handoff) {
      const held = new Set<string>();
      for (const e of events) if (e.task) e.kind === 'task.claimed' ? held.add(e.task) : held.delete(e.task);
      for (const t of held) if (tasks.get(t)?.status === 'UNDERWAY') events.push({ kind: 'task.handoff', at: m.endedAt, task: t, note: m.handoff, reason: m.endReason });
    }
    missions.set(key, m);
  }
  // Claims without a session go to the agent's session that was open at the time, if any.
  for (const e of loose) {
    const m = [...missions.values()].find((x) => x.agent === e.agent && x.startedAt <= e.at && e.at <= (x.endedAt ?? e.at));
    if (m) m.events.push(e);
    else plan.events.push(e);
  }
  for (const [key, evs] of bySession) if (!missions.has(key) && !sessions.some((s) => `session/${String(s.id)}` === key)) plan.events.push(...evs);
  plan.missions.push(...missions.values());
  if (naive) plan.defects.push({ origin: { path: file }, defect: `${naive} times have no time zone`, handled: 'read as UTC (taskr writes datetime(\'now\') and utcnow())' });
  return plan;
}
