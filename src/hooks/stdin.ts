import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface StdinResult {
  /** The parsed object, when a whole JSON object arrived. */
  payload: Record<string, unknown> | undefined;
  /** Why there is no payload: empty, malformed, too large, or timed out. */
  problem: 'empty' | 'malformed' | 'too-large' | 'timeout' | 'tty' | undefined;
  /** The first bytes, kept so fields can still be recovered from a payload we could not parse whole. */
  head: string;
  bytes: number;
}

export interface StdinOptions {
  limitBytes: number;
  timeoutMs: number;
}

/**
 * What both readers share: bytes in, one result out, as soon as a whole object has arrived (even
 * if stdin stays open: Claude Code once left it open on /clear), at the size limit, at the end, or
 * at the time limit, whichever comes first.
 */
class Collector {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private head = '';
  done = false;

  constructor(
    private readonly o: StdinOptions,
    private readonly onDone: (r: StdinResult) => void,
  ) {}

  /** Takes a chunk (copied: the fd reader reuses its buffer). */
  add(d: Buffer): void {
    this.bytes += d.length;
    if (this.head.length < 4096) this.head += d.toString('utf8', 0, Math.min(d.length, 4096 - this.head.length));
    if (this.bytes > this.o.limitBytes) return this.finish({ payload: undefined, problem: 'too-large' });
    this.chunks.push(Buffer.from(d));
    this.parse(false);
  }

  /** Parses what has arrived; at the end (final) anything unparsable is an answer too. */
  parse(final: boolean): void {
    const text = this.text();
    if (!text) return final ? this.finish({ payload: undefined, problem: 'empty' }) : undefined;
    if (!final && !text.endsWith('}')) return;
    try {
      const v = JSON.parse(text) as unknown;
      this.finish(v && typeof v === 'object' && !Array.isArray(v) ? { payload: v as Record<string, unknown>, problem: undefined } : { payload: undefined, problem: 'malformed' });
    } catch {
      if (final) this.finish({ payload: undefined, problem: 'malformed' });
    }
  }

  timeout(): void {
    this.finish({ payload: undefined, problem: this.text() ? 'malformed' : 'timeout' });
  }

  private text(): string {
    return Buffer.concat(this.chunks).toString('utf8').trim();
  }

  private finish(r: Omit<StdinResult, 'head' | 'bytes'>): void {
    if (this.done) return;
    this.done = true;
    this.onDone({ ...r, head: this.head, bytes: this.bytes });
  }
}

/**
 * Reads a hook's JSON from a stream without trusting the writer: stops at a size limit and gives
 * up after a time limit (the Collector's contract). Used where no descriptor can be polled.
 */
export function readHookStdin(stdin: Readable & { isTTY?: boolean }, o: StdinOptions): Promise<StdinResult> {
  if (stdin.isTTY) return Promise.resolve({ payload: undefined, problem: 'tty', head: '', bytes: 0 });
  return new Promise((resolve) => {
    const c = new Collector(o, (r) => {
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onEnd);
      stdin.pause();
      // Let the process exit even if the writer never closes its end.
      (stdin as { unref?: () => void }).unref?.();
      resolve(r);
    });
    const onData = (d: Buffer) => c.add(d);
    const onEnd = () => c.parse(true);
    const timer = setTimeout(() => c.timeout(), o.timeoutMs);
    timer.unref?.();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });
}

/**
 * The same contract read straight from a file descriptor, without stream objects (they load `net`
 * and `stream`, which cost a hook more than all of its own work) and without libuv's thread pool:
 * a read blocked there on a stdin that never closes would stop the process from ever exiting. On
 * Linux, /proc/self/fd/0 is reopened non-blocking (a new open file description, so the writer is
 * unaffected) and polled. A socket cannot be reopened that way, and it is what agents written in
 * Node give their hooks (libuv makes a child's stdio from socketpairs): its own descriptor is made
 * non-blocking instead (nonBlockingSocket). Anything else falls back to the stream reader.
 */
export function readHookFd(fd: number, o: StdinOptions, fallback?: () => Readable & { isTTY?: boolean }): Promise<StdinResult> {
  let socket: boolean;
  try {
    const st = fstatSync(fd);
    if (st.isCharacterDevice()) return Promise.resolve({ payload: undefined, problem: 'tty', head: '', bytes: 0 });
    socket = st.isSocket();
  } catch {
    return Promise.resolve({ payload: undefined, problem: 'empty', head: '', bytes: 0 });
  }
  let nb: number;
  try {
    nb = socket && nonBlockingSocket(fd) ? fd : openSync(`/proc/self/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return fallback ? readHookStdin(fallback(), o) : Promise.resolve({ payload: undefined, problem: 'empty', head: '', bytes: 0 });
  }
  return new Promise((resolve) => {
    let poll: NodeJS.Timeout | undefined;
    const c = new Collector(o, (r) => {
      if (poll) clearTimeout(poll);
      // The reopened copy is ours to close; the socket is the process's own stdin: left open, so
      // no file sortie opens next can land on descriptor 0.
      if (nb !== fd) {
        try {
          closeSync(nb);
        } catch {
          // already closed
        }
      }
      resolve(r);
    });
    const started = Date.now();
    const buf = Buffer.allocUnsafe(256 * 1024);
    const step = () => {
      poll = undefined;
      while (!c.done) {
        let n: number;
        try {
          n = readSync(nb, buf, 0, buf.length, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return c.parse(true);
          if (Date.now() - started >= o.timeoutMs) return c.timeout();
          poll = setTimeout(step, 2);
          return;
        }
        if (n === 0) return c.parse(true);
        c.add(buf.subarray(0, n));
      }
    };
    step();
  });
}

interface PipeBinding {
  Pipe: new (type: number) => { open(fd: number): number; unref?(): void };
  constants: { SOCKET: number };
}

/**
 * Makes a socket descriptor non-blocking, so it can be polled like the reopened pipe. Node has no
 * public call for it short of net.Socket, which is what process.stdin builds: loading `net` and
 * `stream` costs a hook about 3 ms, most of its reading time. The handle net.Socket itself would
 * open (pipe_wrap, through process.binding) only switches the descriptor to non-blocking
 * (uv_pipe_open); it never reads, and is unref'd so it cannot keep the process alive. Only this
 * end of the socket pair is changed, never the writer's. process.binding is deprecated in the
 * documentation; where deprecations are made loud (--pending-deprecation), or the binding is not
 * what we expect, this answers false and the stream reader is used: correct, only slower.
 */
export function nonBlockingSocket(fd: number): boolean {
  const pending = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes('--pending-deprecation') || process.env.NODE_PENDING_DEPRECATION === '1';
  if (pending) return false;
  try {
    const { Pipe, constants } = (process as unknown as { binding(name: string): PipeBinding }).binding('pipe_wrap');
    const handle = new Pipe(constants.SOCKET);
    if (handle.open(fd) !== 0) return false;
    handle.unref?.();
    return true;
  } catch {
    return false;
  }
}

/** Output without stream objects (see readHookFd): plain synchronous writes to a descriptor. */
export function fdWriter(fd: number): { write(s: string): boolean } {
  return {
    write(s: string) {
      const data = Buffer.from(s);
      for (let off = 0; off < data.length; ) {
        try {
          off += writeSync(fd, data, off);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') return false;
        }
      }
      return true;
    },
  };
}

/**
 * Recovers the small string fields of a hook payload from its first bytes: agents put
 * session_id, cwd and the event first, so a 50 MB prompt does not cost us the session.
 */
export function salvageFields(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /"(session_id|sessionId|transcript_path|transcriptPath|cwd|hook_event_name|source|reason|trigger|conversation_id|parentAgentId)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    try {
      out[m[1]!] = JSON.parse(`"${m[2]}"`) as string;
    } catch {
      // a field cut in the middle of an escape: skip it
    }
  }
  return out;
}
