import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentAdapter, AgentEvent, HookKind, PreToolAnswer } from '../agents/types.js';
import { git, type Env } from '../git.js';
import { commitCalls, mentionsGitCommit } from '../guard/commit-line.js';
import { beatFile, shimDir } from '../store/paths.js';
import { enqueue, enqueueCommit } from '../store/queue.js';
import { clearSessionState, readSessionState } from '../store/session-state.js';
import { agentPid, processStart } from '../missions/process.js';
import { iso } from '../time.js';
import { DIR_MODE, FILE_MODE } from '../files.js';
import { shellQuote } from '../text.js';
import type { EndEvent } from '../missions/end-event.js';
import { locate } from '../world/locate.js';
import { runHookFrame, type HookIO } from './frame.js';

/**
 * The hooks that run most often or under the tightest budget do not open the database:
 * - a heartbeat touches the session's beat file;
 * - an end writes one queue entry (store/queue.ts);
 * - a pre-tool hook rewrites the shell command from a per-session file (store/session-state.ts);
 * - a post-tool hook queues the commits a guarded `git commit` made;
 * - any of them delivers context waiting since a compaction.
 * The next sortie process (a SessionStart, any CLI command, the commit guard) applies what they
 * queued before it reads anything (missions/catch-up.ts), so what people and agents see is the
 * same, and none of these hooks can wait on the database lock. What needs the database (a
 * `git commit` to guard, a real pre-compaction) is handed to the full bundle ('full').
 */
export const LIGHT_KINDS: ReadonlySet<HookKind> = new Set(['heartbeat', 'end', 'pretool', 'posttool']);

/** Whether the light entry takes an event: the light kinds, and a pre-compaction whose adapter can tell a real one cheaply. */
export function lightAccepts(kind: HookKind, adapter: AgentAdapter): boolean {
  return LIGHT_KINDS.has(kind) || (kind === 'precompact' && adapter.precompactGate !== undefined);
}

/** What a light handler needs besides the event. */
export interface LightIO {
  env: Env;
  now: Date;
  /** The hook process's parent (the agent, or a shell under it). */
  ppid: number;
  out: (text: string) => void;
}

/** The shell prefix that gives a command the mission and the `sortie` shim. */
export function exportPrefix(mission: string, bin: string): string {
  // Every value quoted for the shell (text.ts): the mission id is read from a file.
  return `export SORTIE_MISSION=${/^\d+$/.test(mission) ? mission : shellQuote(mission)} PATH=${shellQuote(bin)}:"$PATH"; `;
}

/**
 * Handles a light kind; returns 'full' when the event needs the database (the caller then runs
 * the full handler with the same event).
 */
export function runLightKind(kind: HookKind, ev: AgentEvent, adapter: AgentAdapter, io: LightIO): void | 'full' {
  if (!ev.sessionId) return;
  const sid = ev.sessionId;
  // Only where sortie's state exists: a light hook is never what creates it.
  const at = locate(ev.projectDir, io.env);
  if (!at?.exists) return;
  const { dbFile } = at;
  switch (kind) {
    case 'heartbeat': {
      // The file holds the session id (written once); each beat only sets its mtime: one metadata
      // call, no data to write or to wait behind.
      const file = beatFile(dbFile, sid);
      try {
        utimesSync(file, io.now, io.now);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
        writeFileSync(file, `${sid}\n`, { mode: FILE_MODE });
        utimesSync(file, io.now, io.now);
      }
      deliverPending(adapter, ev, dbFile, io);
      return;
    }
    case 'end': {
      // The reason is the agent's word, stored as given but bounded; every sink makes it safe (text.ts).
      const line: EndEvent = { type: 'end', agent: ev.agent, session: sid, reason: (ev.reason ?? 'other').slice(0, 200), at: iso(io.now) };
      enqueue(dbFile, 'end', `${io.now.getTime()}-${process.pid}`, JSON.stringify(line));
      clearSessionState(dbFile, sid);
      return;
    }
    case 'precompact':
      return adapter.precompactGate?.(ev, io.env) ? 'full' : undefined;
    case 'pretool': {
      const command = ev.tool?.shell ? ev.tool.command : undefined;
      if (command && !adapter.gitHooksRun && mentionsGitCommit(command) && commitCalls(command).length > 0) return 'full';
      const answer = preToolAnswer(adapter, ev, dbFile, command, io);
      const pending = pendingContext(adapter, ev, dbFile);
      if (pending) answer.context = pending;
      const text = adapter.preToolOutput?.(ev.event, answer, ev);
      if (text) io.out(text);
      if (pending && text) clearSessionState(dbFile, sid, ['context']);
      return;
    }
    case 'posttool': {
      const command = ev.tool?.shell ? ev.tool.command : undefined;
      if (command && !adapter.gitHooksRun && mentionsGitCommit(command)) queueNewCommits(ev, dbFile, io.env);
      deliverPending(adapter, ev, dbFile, io);
      return;
    }
    default:
      return 'full';
  }
}

/**
 * The rewrite that exports the mission into the shell, for an adapter that asks for it: the
 * session's mission, else (a subagent's session, which no start event announced) the mission of
 * the agent process the hook runs under.
 */
export function preToolAnswer(adapter: AgentAdapter, ev: AgentEvent, dbFile: string, command: string | undefined, io: Pick<LightIO, 'env' | 'ppid'>): PreToolAnswer {
  if (!command || !adapter.shell.rewrite || command.startsWith('export SORTIE_MISSION=')) return {};
  const mission = readSessionState(dbFile, ev.sessionId!, 'mission')?.trim() ?? missionOfProcess(dbFile, agentPid(io.env, io.ppid, adapter.pidVars));
  return mission ? { command: `${exportPrefix(mission, shimDir(dbFile))}${command}` } : {};
}

/** What SessionStart left for the agent process `pid` (`<mission>\n<pid start time>`), if that process is still the same one. */
function missionOfProcess(dbFile: string, pid: number | undefined): string | undefined {
  if (!pid) return undefined;
  const [mission, start] = (readSessionState(dbFile, processKey(pid), 'mission') ?? '').split('\n');
  return mission && start === processStart(pid) ? mission : undefined;
}

/** The session-state key of an agent process. */
export function processKey(pid: number): string {
  return `pid-${pid}`;
}

/** Context left by a pre-compaction for this session, if this event can carry it. */
function pendingContext(adapter: AgentAdapter, ev: AgentEvent, dbFile: string): string | undefined {
  if (adapter.compaction !== 'deferred' || ev.subagent) return undefined;
  const text = readSessionState(dbFile, ev.sessionId!, 'context');
  return text && adapter.contextOutput(ev.event, text) !== undefined ? text : undefined;
}

function deliverPending(adapter: AgentAdapter, ev: AgentEvent, dbFile: string, io: LightIO): void {
  const text = pendingContext(adapter, ev, dbFile);
  if (!text) return;
  io.out(adapter.contextOutput(ev.event, text)!);
  clearSessionState(dbFile, ev.sessionId!, ['context']);
}

/**
 * After a guarded `git commit` ran (no git hook did): the commits made since the guard saved
 * HEAD go into the queue post-commit would have written, for the next sortie process to record.
 */
function queueNewCommits(ev: AgentEvent, dbFile: string, env: Env): void {
  const saved = readSessionState(dbFile, ev.sessionId!, 'head');
  if (saved === undefined) return;
  clearSessionState(dbFile, ev.sessionId!, ['head']);
  const [before = '', mission = '', cwd = ev.cwd] = saved.split('\n');
  const list = git(['rev-list', '--reverse', '--max-count=50', before ? `${before}..HEAD` : 'HEAD'], { cwd, env });
  if (!list.ok || !list.out) return;
  const shas = before ? list.out.split('\n') : list.out.split('\n').slice(-1);
  const branch = git(['symbolic-ref', '--short', '-q', 'HEAD'], { cwd, env });
  for (const sha of shas) enqueueCommit(dbFile, { sha, mission, session: ev.sessionId!, branch: branch.ok ? branch.out : '' });
}

/** The light entry: handles the light kinds, and declines the rest (returns undefined). */
export function runLightHook(agentName: string, event: string, io: HookIO): Promise<number | undefined> {
  return runHookFrame(agentName, event, io, (kind, ev, adapter, now) => runLightKind(kind, ev, adapter, { env: io.env, now, ppid: io.ppid, out: (t) => io.stdout.write(t) }), lightAccepts);
}
