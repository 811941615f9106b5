import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../missions/process.js';
import { parseDuration } from '../time.js';
import { columnsOf, isoOf, latest, line, openSnapshot, SourceReadError, str, type Row } from './read.js';
import { emptyPlan, type Origin, type PlannedMission, type ReadContext, type Source, type SourcePlan } from './types.js';

/**
 * overstory's session store (`src/sessions/` in overstory): `.overstory/sessions.db` (SQLite, WAL)
 * with `sessions` (one row per agent, keyed by agent_name: id, agent_name, capability,
 * worktree_path, branch_name, bead_id or later task_id, tmux_session, state
 * booting/working/completed/stalled/zombie, pid, parent_agent, depth, run_id, started_at,
 * last_activity, escalation_level, stalled_since; later transcript_path, claude_session_id) and
 * `runs` (id, started_at, completed_at, status active/completed, agent_count, description), and the
 * legacy `.overstory/sessions.json`, an array of the same sessions in camelCase.
 *
 * overstory keeps no task records (its tasks are beads in another tool): a session's bead becomes
 * claim history on that id, and a run becomes a `run:<id>` label on a sortie task with that id.
 * Its agents are Claude Code sessions run in tmux (assumed; the store does not name the program).
 */
export const overstory: Source = {
  looked: ['.overstory/sessions.db', '.overstory/sessions.json'],
  locate(ctx) {
    const dir = join(ctx.root, '.overstory');
    return ['sessions.db', 'sessions.json'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  },
  plan: planOverstory,
};

/** overstory state -> what sortie makes of it. */
const STATES: Record<string, 'open' | 'completed' | 'zombie'> = {
  booting: 'open',
  working: 'open',
  stalled: 'open',
  completed: 'completed',
  zombie: 'zombie',
};

interface Session {
  id: string;
  agentName: string;
  capability: string | undefined;
  worktreePath: string | undefined;
  branchName: string | undefined;
  taskId: string | undefined;
  state: string | undefined;
  pid: number | undefined;
  parentAgent: string | undefined;
  runId: string | undefined;
  startedAt: string | undefined;
  lastActivity: string | undefined;
  escalationLevel: number | undefined;
  stalledSince: string | undefined;
  claudeSessionId: string | undefined;
  origin: Origin;
}

function fromRow(r: Row, origin: Origin): Session {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);
  const g = (snake: string, camel: string) => r[snake] ?? r[camel];
  return {
    id: str(g('id', 'id')) ?? '',
    agentName: line(g('agent_name', 'agentName')) ?? '',
    capability: line(g('capability', 'capability')),
    worktreePath: str(g('worktree_path', 'worktreePath')),
    branchName: str(g('branch_name', 'branchName')),
    taskId: str(g('task_id', 'taskId')) ?? str(g('bead_id', 'beadId')),
    state: str(g('state', 'state'))?.toLowerCase(),
    pid: num(g('pid', 'pid')),
    parentAgent: line(g('parent_agent', 'parentAgent')),
    runId: str(g('run_id', 'runId')),
    startedAt: isoOf(g('started_at', 'startedAt')),
    lastActivity: isoOf(g('last_activity', 'lastActivity')),
    escalationLevel: num(g('escalation_level', 'escalationLevel')),
    stalledSince: isoOf(g('stalled_since', 'stalledSince')),
    claudeSessionId: str(g('claude_session_id', 'claudeSessionId')),
    origin,
  };
}

function planOverstory(ctx: ReadContext, paths: string[]): SourcePlan {
  const plan = emptyPlan('overstory');
  // An explicit folder means `.overstory/` (or the project above it).
  const files = paths.flatMap((p) => {
    if (statSync(p).isDirectory()) {
      const dir = existsSync(join(p, '.overstory')) ? join(p, '.overstory') : p;
      return ['sessions.db', 'sessions.json'].map((f) => join(dir, f)).filter((f) => existsSync(f));
    }
    return [p];
  });
  const dbFile = files.find((f) => !f.endsWith('.json'));
  const jsonFile = files.find((f) => f.endsWith('.json')) ?? (dbFile && existsSync(dbFile.replace(/sessions\.db$/, 'sessions.json')) ? dbFile.replace(/sessions\.db$/, 'sessions.json') : undefined);

  const fromDb: Session[] = [];
  const runs = new Map<string, Row>();
  if (dbFile) {
    try {
      const snap = openSnapshot(dbFile);
      plan.read.push(dbFile);
      try {
        if (columnsOf(snap.db, 'sessions')) {
          for (const r of snap.db.prepare('SELECT * FROM sessions ORDER BY started_at').all() as Row[]) fromDb.push(fromRow(r, { path: dbFile, row: `sessions ${String(r.agent_name ?? r.id)}` }));
        } else plan.skipped.push({ origin: { path: dbFile }, what: 'sessions', why: 'the database has no table "sessions"' });
        if (columnsOf(snap.db, 'runs')) for (const r of snap.db.prepare('SELECT * FROM runs').all() as Row[]) runs.set(String(r.id), r);
      } finally {
        snap.close();
      }
    } catch (e) {
      if (!(e instanceof SourceReadError)) throw e;
      plan.skipped.push({ origin: { path: dbFile }, what: 'the session database', why: `${e.message}${jsonFile ? '; sessions.json is read instead' : ''}` });
    }
  }
  const fromJson: Session[] = [];
  if (jsonFile) {
    plan.read.push(jsonFile);
    const content = readFileSync(jsonFile, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(content);
    } catch (e) {
      const pos = /position (\d+)/.exec((e as Error).message)?.[1];
      const lineNo = pos ? content.slice(0, Number(pos)).split('\n').length : undefined;
      plan.skipped.push({ origin: { path: jsonFile, line: lineNo }, what: 'sessions.json', why: `not valid JSON (${(e as Error).message})` });
    }
    if (parsed !== undefined && !Array.isArray(parsed)) plan.skipped.push({ origin: { path: jsonFile }, what: 'sessions.json', why: 'not an array of sessions' });
    else if (Array.isArray(parsed)) parsed.forEach((r, i) => fromJson.push(fromRow((r ?? {}) as Row, { path: jsonFile, row: `entry ${i}` })));
  }

  // The same sessions in two places: sessions.db is authoritative once overstory migrated to it;
  // sessions.json still holds sessions the database lost (an agent name reused overwrites its row)
  // and, when the database is empty, everything (overstory-036f).
  const byId = new Map<string, Session>();
  for (const s of fromDb) byId.set(s.id || `name:${s.agentName}`, s);
  for (const s of fromJson) {
    const k = s.id || `name:${s.agentName}`;
    const d = byId.get(k);
    if (!d) {
      if (fromDb.length) {
        const sameName = fromDb.find((x) => x.agentName === s.agentName);
        plan.defects.push({
          origin: s.origin,
          defect: sameName
            ? `session ${s.id} of ${s.agentName} is only in sessions.json: the database row for that agent name was overwritten by a later session (${sameName.id})`
            : `session ${s.id} (${s.agentName}) is only in sessions.json`,
          handled: 'imported from sessions.json',
        });
      }
      byId.set(k, s);
    } else if ((s.lastActivity ?? '') > (d.lastActivity ?? '')) {
      plan.defects.push({ origin: s.origin, defect: `session ${s.id} is in both files and the sessions.json copy is newer (last activity ${s.lastActivity} > ${d.lastActivity})`, handled: 'the sessions.json copy is used' });
      byId.set(k, s);
    }
  }
  if (fromDb.length === 0 && fromJson.length && dbFile) {
    plan.defects.push({ origin: { path: dbFile }, defect: 'sessions.db is empty while sessions.json has sessions (the migration never ran)', handled: 'sessions.json is read' });
  }

  const staleMs = parseDuration(ctx.config.missions.staleAfter) ?? 2 * 3_600_000;
  const byName = new Map<string, string>();
  const sessions = [...byId.values()];
  for (const s of sessions) byName.set(s.agentName, s.id || `name:${s.agentName}`);
  for (const s of sessions) {
    if (!s.agentName || !s.startedAt) {
      plan.skipped.push({ origin: s.origin, what: `session ${s.id || '?'}`, why: !s.agentName ? 'no agent name' : 'no start time' });
      continue;
    }
    const kind = s.state ? STATES[s.state] : undefined;
    if (!kind) {
      plan.skipped.push({ origin: s.origin, what: `session ${s.id} (${s.agentName})`, why: `unknown state "${s.state ?? ''}" (known: ${Object.keys(STATES).join(', ')})` });
      continue;
    }
    const last = latest(s.startedAt, s.lastActivity)!;
    const run = s.runId ? runs.get(s.runId) : undefined;
    const summary = [
      `overstory ${s.capability ?? 'agent'} ${s.agentName}${s.taskId ? ` on ${s.taskId}` : ''}`,
      s.runId ? `run ${s.runId}${run ? ` (${[str(run.status), line(run.description, 200)].filter(Boolean).join(', ')})` : ''}` : undefined,
      `state ${s.state}${s.escalationLevel ? `, escalation level ${s.escalationLevel}` : ''}${s.stalledSince ? `, stalled since ${s.stalledSince}` : ''}`,
    ]
      .filter(Boolean)
      .join('; ');
    const key = `session/${s.id || s.agentName}`;
    const m: PlannedMission = {
      key,
      origin: s.origin,
      agent: 'claude-code',
      codename: s.agentName,
      persona: s.agentName,
      role: s.capability,
      sessionId: s.claudeSessionId,
      branch: s.branchName,
      worktree: s.worktreePath,
      startedAt: s.startedAt,
      lastSeenAt: last,
      summary,
      parentKey: s.parentAgent && byName.has(s.parentAgent) ? `session/${byName.get(s.parentAgent)!.replace(/^name:/, '')}` : undefined,
      events: [],
      holds: [],
    };
    if (kind === 'completed') {
      m.endedAt = last;
      m.endReason = 'completed';
    } else if (kind === 'zombie') {
      m.endedAt = last;
      m.endReason = 'abandoned';
      plan.defects.push({ origin: s.origin, defect: `${s.agentName} is a zombie (overstory found its process gone)`, handled: `closed as abandoned at its last activity, ${last}` });
    } else {
      // Provably alive: its pid runs and it was active within missions.staleAfter. overstory does
      // not record the process start time, so a recycled pid alone would not prove anything.
      const recent = ctx.now.getTime() - Date.parse(last) <= staleMs;
      if (s.pid && recent && isAlive(s.pid, null)) {
        m.pid = s.pid;
        if (s.taskId) m.holds.push(s.taskId);
        plan.defects.push({ origin: s.origin, defect: `${s.agentName} is ${s.state} and its process ${s.pid} is running`, handled: 'imported as a live mission; its claim stays live and normal reaping applies' });
      } else {
        m.endedAt = last;
        m.endReason = 'abandoned';
        plan.defects.push({
          origin: s.origin,
          defect: `left ${s.state} for ever${s.pid ? ` (process ${s.pid} ${isAlive(s.pid, null) ? `last active ${last}, older than ${ctx.config.missions.staleAfter}` : 'is gone'})` : ''}`,
          handled: `closed as abandoned at its last activity, ${last}`,
        });
      }
    }
    if (s.taskId) {
      m.events.push({ kind: 'task.claimed', at: s.startedAt, task: s.taskId, reason: 'overstory session' });
      if (m.endedAt) m.events.push({ kind: 'task.released', at: m.endedAt, task: s.taskId, reason: m.endReason });
      if (s.runId) plan.labels.push({ task: s.taskId, add: [`run:${s.runId}`], why: `worked on in overstory run ${s.runId}`, origin: s.origin });
    }
    plan.missions.push(m);
  }
  return plan;
}
