import type { Readable, Writable } from 'node:stream';
import { AGENT_LIST, agentNamed } from '../agents/index.js';
import type { AgentAdapter, AgentEvent, HookKind } from '../agents/types.js';
import { Deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { findRepo, type Env } from '../git.js';
import { flushTrace, mark } from '../trace.js';
import { hookLogPath, logHookError } from '../store/hook-log.js';
import { hookMessages } from './messages.js';
import { fdWriter, readHookFd, readHookStdin, salvageFields } from './stdin.js';

export interface HookIO {
  argv: string[];
  /** A stream, or a file descriptor (the entry passes 0 to avoid building stream objects). */
  stdin: (Readable & { isTTY?: boolean }) | number;
  stdout: Pick<Writable, 'write'>;
  stderr: Pick<Writable, 'write'>;
  env: Env;
  cwd: string;
  now: () => Date;
  /** The hook process's parent pid, to find the agent's pid. */
  ppid: number;
  /** This process's pid. */
  pid: number;
  /** When the hook process started (epoch ms): the agent's deadline counts from there. */
  started?: number;
  /** Called if the internal deadline passes: the entry exits 0 there and then. */
  onDeadline: (message: string) => void;
}

export const STDIN_LIMIT = 8 * 1024 * 1024;

/**
 * The IO of a hook process (both bundled entries): its descriptors through plain fs calls, since
 * process.stdin/stdout would build stream objects that cost more than the hook's own work.
 */
export function processHookIO(argv: string[]): HookIO {
  const stderr = fdWriter(2);
  return {
    argv,
    stdin: 0,
    stdout: fdWriter(1),
    stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    ppid: process.ppid,
    pid: process.pid,
    // The process's start, as epoch ms. Not performance.timeOrigin: the first touch of `performance`
    // loads node:perf_hooks, over a millisecond on every hook.
    started: Date.now() - process.uptime() * 1000,
    onDeadline: (message) => {
      stderr.write(`${message}\n`);
      process.exit(0);
    },
  };
}

/**
 * A handler; returning 'full' hands the event (with the payload already read) to the full bundle.
 * `deadline` is the one every blocking step of the handler takes its time from (database waits,
 * retries, git), since the frame's timer cannot fire while they block.
 */
export type Dispatch = (kind: HookKind, ev: AgentEvent, adapter: AgentAdapter, now: Date, deadline: Deadline) => Promise<void | 'full'> | void | 'full';

/**
 * The light entry and the full bundle run in one process (dist/hook.cjs loads the full one when
 * the light one declines). An event the light entry read but cannot finish (a `git commit` to
 * guard) is handed over with its payload here, since stdin cannot be read twice.
 */
interface Handed {
  agent: string;
  event: string;
  payload: Record<string, unknown>;
}
const HANDED = '__sortieHookHanded';

function takeHanded(agent: string, event: string): Record<string, unknown> | undefined {
  const g = globalThis as { [HANDED]?: Handed };
  const h = g[HANDED];
  if (!h || h.agent !== agent || h.event !== event) return undefined;
  delete g[HANDED];
  return h.payload;
}

/**
 * An event at another agent's entry that the agent running it sends (Cursor running Claude Code's
 * hooks): handled as that agent's own event, of the same kind, or skipped when that agent's own
 * sortie entry fires for it too. Undefined for everything else (the common case: one field check
 * per adapter that runs others' hooks).
 */
function guestOf(adapter: AgentAdapter, event: string, kind: HookKind, payload: Record<string, unknown>, io: HookIO): [AgentAdapter, string] | 'skip' | undefined {
  for (const host of AGENT_LIST) {
    const g = host.runsHooksOf;
    if (!g || g.agent !== adapter.name || !g.sentByMe(payload, io.env)) continue;
    const mapped = g.events[event];
    // Same kind only: which entry (light or full) took the event must not change.
    if (!mapped || host.events[mapped] !== kind) return 'skip';
    return g.ownEntry(mapped, host.toEvent(mapped, payload, io.env, io.cwd).projectDir, io.env) ? 'skip' : [host, mapped];
  }
  return undefined;
}

/**
 * What every agent hook does around its handler, and always returns 0: a hook must never break
 * the agent. It reads the payload with limits, runs the handler under a deadline, logs errors
 * beside the database with their stack and sums them up in one line on stderr; nothing reaches the
 * model's context but the context itself. `accepts` lets an entry decline an event before stdin
 * is touched (the light entry hands other events to the full one).
 */
export async function runHookFrame(
  agentName: string,
  event: string,
  io: HookIO,
  dispatch: Dispatch,
  accepts: (k: HookKind, a: AgentAdapter) => boolean = () => true,
): Promise<number | undefined> {
  const adapter = agentNamed(agentName);
  const kind = adapter && Object.hasOwn(adapter.events, event) ? adapter.events[event] : undefined;
  if (adapter && kind && !accepts(kind, adapter)) return undefined;
  const logFile = () => hookLogPath(findRepo(io.cwd), io.env);
  if (!adapter) {
    io.stderr.write(hookMessages.unknownAgent(agentName, AGENT_LIST.map((a) => a.name)));
    return 0;
  }
  if (!kind) {
    io.stderr.write(hookMessages.unknownEvent(agentName, event));
    return 0;
  }
  if (io.env.SORTIE_SKIP === '1') return 0;
  const deadlineMs = adapter.deadlineMs[kind];
  // One deadline for the whole hook, counted from the process's start (the agent's own timeout
  // counts from the spawn): the steps that block the thread (database waits, retries, git) take
  // their time from it. The timer is only the last resort for what waits in the event loop
  // (reading stdin, which has its own limit), counted from here as it always was: on a machine so
  // loaded that starting Node ate the deadline, a database-free hook must still do its one write.
  const deadline = Deadline.in(deadlineMs, io.started);
  const timer = setTimeout(() => {
    logHookError(logFile(), { agent: agentName, event, error: `deadline of ${deadlineMs} ms passed` });
    io.onDeadline(hookMessages.outOfTime(event, deadlineMs));
  }, deadlineMs);
  timer.unref();
  try {
    let payload = takeHanded(agentName, event);
    if (!payload) {
      const limits = { limitBytes: STDIN_LIMIT, timeoutMs: Math.min(1500, Math.floor(deadlineMs / 3)) };
      const input = typeof io.stdin === 'number' ? await readHookFd(io.stdin, limits, () => process.stdin) : await readHookStdin(io.stdin, limits);
      payload = input.payload;
      if (!payload) {
        payload = salvageFields(input.head);
        if (input.problem !== 'tty' && input.problem !== 'empty') {
          logHookError(logFile(), { agent: agentName, event, warning: `hook input ${input.problem} (${input.bytes} bytes); used the fields that could be recovered and the environment` });
        }
      }
    }
    mark('stdin');
    const guest = guestOf(adapter, event, kind, payload, io);
    if (guest === 'skip') return 0;
    const [actual, actualEvent] = guest ?? [adapter, event];
    if ((await dispatch(kind, actual.toEvent(actualEvent, payload, io.env, io.cwd), actual, io.now(), deadline)) === 'full') {
      (globalThis as { [HANDED]?: Handed })[HANDED] = { agent: agentName, event, payload };
      return undefined;
    }
  } catch (e) {
    const file = logFile();
    logHookError(file, { agent: agentName, event, error: errorMessage(e), code: (e as { code?: string }).code, stack: (e as Error).stack });
    io.stderr.write(hookMessages.failed(event, errorMessage(e).split('\n')[0]!, file));
  } finally {
    clearTimeout(timer);
    mark('done');
    flushTrace((s) => io.stderr.write(s));
  }
  return 0;
}
