import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import type { AgentAdapter, AgentEvent } from '../agents/types.js';
import { buildContext } from '../context/build.js';
import { Deadline } from '../deadline.js';
import { errorMessage, isSortieError } from '../errors.js';
import { DIR_MODE, EXEC_MODE } from '../files.js';
import { currentBranch, type Repo } from '../git.js';
import { writeJournal } from '../missions/journal.js';
import { missionBySession, reapMissions, type MissionRow, type Reaped } from '../missions/missions.js';
import { agentPid, processStart } from '../missions/process.js';
import { beginSession, type Begun, type StartEvent } from '../missions/session.js';
import { hookLogPath, logHookError } from '../store/hook-log.js';
import { shimDir } from '../store/paths.js';
import { enqueue } from '../store/queue.js';
import { clearSessionState, writeSessionState } from '../store/session-state.js';
import { processKey } from './light.js';
import { isBusy } from '../store/write.js';
import { cannotWrite } from '../env-errors.js';
import { shellQuote } from '../text.js';
import { iso } from '../time.js';
import { locate } from '../world/locate.js';
import { openWorld, type World } from '../world/open.js';
import { mark } from '../trace.js';
import { startBackgroundRefresh } from '../remote/background.js';
import { hookMessages } from './messages.js';

export interface StartResult {
  /** Undefined when the mission could not be written in time: its start is queued. */
  mission: MissionRow | undefined;
  context: string;
  stdout: string;
}

/**
 * How SessionStart spends its deadline (8 s of Claude Code's 10): the database may make it wait
 * at most DB_MS in all (each wait at most ATTEMPT_MS, catching up on the queue at most
 * CATCH_UP_MS of it), and RESERVE_MS is always left for what follows a wait that came to nothing:
 * queueing the start, reading the context, answering.
 */
export const DB_MS = 4000;
export const ATTEMPT_MS = 1000;
export const CATCH_UP_MS = 1000;
export const RESERVE_MS = 1500;

/**
 * SessionStart: reap the dead, then start, reattach to, or continue a mission depending on the
 * source, give the agent's shell commands the session and the mission (its env file: SORTIE_SESSION,
 * and SORTIE_MISSION once the mission exists; or the per-session file its command rewrite reads),
 * and return the context in the agent's format. It never loses the event and never outlives its
 * deadline: when the database stays locked, the start is queued (store/queue.ts, kind `start`) for
 * the next sortie process to apply, and the agent still gets the best context that can be read
 * (WAL readers are not blocked by a writer), or one line saying why there is none.
 */
export async function sessionStart(
  agent: AgentAdapter,
  ev: AgentEvent,
  env: Record<string, string | undefined>,
  now: Date,
  ppid: number,
  deadline: Deadline = Deadline.none(),
): Promise<StartResult | undefined> {
  mark('start');
  const where = ev.projectDir;
  const dbDeadline = deadline.within({ reserveMs: RESERVE_MS, maxMs: DB_MS });
  let w: World | undefined;
  try {
    w = await openWorld(
      { cwd: where, env, now: () => now },
      { create: 'if-opted-in', busyMs: ATTEMPT_MS, deadline: dbDeadline, sync: 'quick', catchUp: true, skipWhenBusy: CATCH_UP_MS },
    );
  } catch (e) {
    return withoutDatabase(agent, ev, env, now, ppid, e);
  }
  if (!w) return undefined;
  const { db, repo, config } = w;
  try {
    const start = startEvent(agent, ev, repo, env, ppid, now);
    const existing = ev.sessionId ? missionBySession(db, ev.sessionId) : undefined;
    let begun: Begun | undefined;
    let reaped: Reaped[] = [];
    let locked: string | undefined;
    let queued = false;
    try {
      reaped = reapMissions(db, { now, staleAfter: config.missions.staleAfter, except: existing?.id });
      mark('reaped');
      begun = beginSession(db, start, existing);
    } catch (e) {
      // Locked past the deadline, or not writable at all (read-only, disk full): queue the start.
      if (!isBusy(e) && !cannotWrite(e)) throw e;
      locked = errorMessage(e);
      queued = tryEnqueue(w.dbFile, start, now);
      logHookError(hookLogPath(repo, env), { agent: ev.agent, event: 'SessionStart', warning: `${locked}; the start is ${queued ? 'queued' : 'not queued either'}` });
    }
    mark('mission');
    // A resume or compact whose write had to be queued still has its mission, as it was.
    const known = begun?.mission ?? ((start.source === 'resume' || start.source === 'compact') && existing ? existing : undefined);
    const bin = ensureShim(w.dbFile);
    const envFile = agent.shell.envFile?.(env);
    if (envFile) exportSession(envFile, { session: ev.sessionId, mission: known?.id, binDir: bin });
    if (known) {
      if (agent.shell.rewrite && start.pid && start.pidStart) writeSessionState(w.dbFile, processKey(start.pid), 'mission', `${known.id}\n${start.pidStart}`);
      if (ev.sessionId && agent.shell.rewrite) writeSessionState(w.dbFile, ev.sessionId, 'mission', `${known.id}\n`);
    }
    // This start gives the whole context: nothing is left to re-inject.
    if (ev.sessionId && agent.compaction === 'deferred') clearSessionState(w.dbFile, ev.sessionId, ['context']);
    let mission = known;
    if (begun && config.missions.journal) {
      try {
        mission = { ...begun.mission, journal_path: writeJournal(db, w.journalDir, begun.mission) };
      } catch {
        // A journal is a convenience: a read-only tree or a lock must not cost the agent its context.
      }
    }
    mark('journal');
    let context: string;
    try {
      context = buildContext({
        db,
        config,
        mission: mission ?? pendingMission(start),
        source: start.source,
        reaped,
        inherited: begun?.inherited,
        pending: mission ? undefined : { reason: locked ?? '', queued },
        sortie: sortieCommand(agent, bin),
        here: w.tasksDir,
      });
    } catch (e) {
      // Even reading is locked out (a connection in exclusive locking mode): one line, not nothing.
      if (!isBusy(e)) throw e;
      context = hookMessages.lockedContext(errorMessage(e), queued);
    }
    mark('context');
    if (mission) background(w, env, now);
    return { mission, context, stdout: agent.contextOutput(ev.event, context, mission ? { mission: mission.id, bin } : undefined) ?? '' };
  } finally {
    w.close();
    mark('closed');
  }
}

/**
 * The claims shared through the git remote are refreshed (and leases renewed) by a detached
 * process this hook starts and does not wait for (remote/background.ts): no network here. Never
 * fails the hook.
 */
export function background(w: World, env: Record<string, string | undefined>, now: Date): void {
  try {
    if (startBackgroundRefresh({ db: w.db, dbFile: w.dbFile, repo: w.repo, config: w.config, env, now })) mark('background');
  } catch {
    // the next command refreshes it
  }
}

/** Queues a start; false when even that cannot be written (a read-only folder, a full disk). */
function tryEnqueue(dbFile: string, start: StartEvent, now: Date): boolean {
  try {
    enqueue(dbFile, 'start', `${now.getTime()}-${process.pid}`, JSON.stringify(start));
    return true;
  } catch {
    return false;
  }
}

/** What SessionStart records about this session, written now or queued. */
function startEvent(agent: AgentAdapter, ev: AgentEvent, repo: Repo | undefined, env: Record<string, string | undefined>, ppid: number, now: Date): StartEvent {
  const pid = agentPid(env, ppid, agent.pidVars);
  return {
    type: 'start',
    agent: ev.agent,
    session: ev.sessionId,
    source: ev.source ?? 'startup',
    pid,
    pidStart: pid ? processStart(pid) : undefined,
    cwd: ev.cwd,
    worktree: repo?.root,
    branch: repo ? currentBranch(repo) : undefined,
    transcript: ev.transcriptPath,
    at: iso(now),
  };
}

/** A stand-in for the mission of a start that is queued: it holds nothing, and every other mission is someone else's. */
function pendingMission(s: StartEvent): MissionRow {
  return {
    id: Number.MAX_SAFE_INTEGER,
    codename: '',
    kind: 'agent',
    agent: s.agent,
    session_id: s.session ?? null,
    person: null,
    transcript_path: s.transcript ?? null,
    cwd: s.cwd ?? null,
    worktree: s.worktree ?? null,
    branch: s.branch ?? null,
    pid: s.pid ?? null,
    pid_start: s.pidStart ?? null,
    parent_id: null,
    started_at: s.at,
    last_seen_at: s.at,
    ended_at: null,
    end_reason: null,
    handoff: null,
    summary: null,
    checkpoint: null,
    journal_path: null,
    source: null,
    persona: null,
    role: null,
  };
}

/**
 * The database could not be opened at all (locked even for reading, broken, from a newer sortie,
 * the driver missing) or the config could not be read. The agent gets one line saying so, and
 * where sortie's state exists the start is queued, so the mission is recorded once it can be.
 */
function withoutDatabase(agent: AgentAdapter, ev: AgentEvent, env: Record<string, string | undefined>, now: Date, ppid: number, e: unknown): StartResult | undefined {
  const at = locate(ev.projectDir, env);
  if (!at) throw e;
  const logFile = hookLogPath(at.repo, env);
  let queued = false;
  if (at.exists) {
    queued = tryEnqueue(at.dbFile, startEvent(agent, ev, at.repo, env, ppid, now), now);
    const envFile = agent.shell.envFile?.(env);
    if (envFile) exportSession(envFile, { session: ev.sessionId, mission: undefined, binDir: ensureShim(at.dbFile) });
  }
  logHookError(logFile, { agent: ev.agent, event: 'SessionStart', error: errorMessage(e), code: (e as { code?: string }).code, queued });
  const context = isBusy(e) ? hookMessages.lockedContext(errorMessage(e), queued) : hookMessages.unusableContext(errorMessage(e), isSortieError(e) ? e.hint : undefined, queued);
  return { mission: undefined, context, stdout: agent.contextOutput(ev.event, context) ?? '' };
}

/**
 * Appends to the agent's env file, once each: `export SORTIE_SESSION=<session id>` (identity
 * resolves by it even before the mission exists), `export SORTIE_MISSION=<id>` once it does, and
 * the `sortie` shim's folder on PATH. The agent sources the file before each shell command, so
 * every value is quoted for the shell (text.ts, shellQuote): a session id or a repository path
 * with `$(...)` in it is text, never a command.
 */
function exportSession(file: string, o: { session: string | undefined; mission: number | undefined; binDir: string | undefined }): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // not there yet
  }
  const add: string[] = [];
  const last = (name: string) => text.split('\n').filter((l) => l.startsWith(`export ${name}=`)).pop();
  const put = (name: string, value: string) => {
    const line = `export ${name}=${shellQuote(value)}`;
    if (last(name) !== line) add.push(line);
  };
  if (o.session) put('SORTIE_SESSION', o.session);
  if (o.mission !== undefined) put('SORTIE_MISSION', String(o.mission));
  const pathLine = o.binDir ? `export PATH=${shellQuote(o.binDir)}:"$PATH"` : undefined;
  if (pathLine && !text.includes(pathLine)) add.push(pathLine);
  if (add.length) appendFileSync(file, `${text && !text.endsWith('\n') ? '\n' : ''}${add.join('\n')}\n`, { mode: 0o600 });
}

/**
 * How the context names sortie: `sortie` where the agent's shell has the shim on PATH (its env
 * file or its command rewrite put it there), else the shim's absolute path (Codex runs a login
 * shell that re-derives PATH; Copilot's shell has the user's PATH, which may lack sortie), quoted
 * for the shell when it needs to be.
 */
export function sortieCommand(agent: AgentAdapter, bin: string | undefined): string {
  if (agent.shell.sortieOnPath || !bin) return 'sortie';
  const path = join(bin, 'sortie');
  return /^[A-Za-z0-9_./-]+$/.test(path) ? path : shellQuote(path);
}

/**
 * The context tells the agent to run `sortie ...`, which must then work in its shell whether
 * sortie is installed in the project, globally, or run from a checkout: a two-line shim beside the
 * database (machine-local, never committed) that runs this very install. Both paths are quoted
 * for the shell, and the modes are set whatever the umask.
 */
function ensureShim(dbFile: string): string | undefined {
  const dir = shimDir(dbFile);
  const shim = join(dir, 'sortie');
  const text = `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(join(packageRoot(), 'bin', 'sortie.js'))} "$@"\n`;
  try {
    if (existsSync(shim) && readFileSync(shim, 'utf8') === text) return dir;
    mkdirSync(dir, { recursive: true, mode: DIR_MODE });
    // Written whole under a temporary name then renamed: a shell never runs half a shim.
    const tmp = `${shim}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: EXEC_MODE });
    renameSync(tmp, shim);
    return dir;
  } catch {
    return undefined;
  }
}
