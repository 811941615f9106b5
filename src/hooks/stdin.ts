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
 * Reads a hook's JSON from stdin without trusting the writer: stops at a size limit, gives up
 * after a time limit, and returns as soon as a whole object has arrived even if stdin stays open
 * (Claude Code once left it open on /clear).
 */
export function readHookStdin(stdin: Readable & { isTTY?: boolean }, o: StdinOptions): Promise<StdinResult> {
  if (stdin.isTTY) return Promise.resolve({ payload: undefined, problem: 'tty', head: '', bytes: 0 });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let head = '';
    let done = false;
    const finish = (r: Omit<StdinResult, 'head' | 'bytes'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onEnd);
      stdin.pause();
      // Let the process exit even if the writer never closes its end.
      (stdin as { unref?: () => void }).unref?.();
      resolve({ ...r, head, bytes });
    };
    const tryParse = (final: boolean) => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return final ? finish({ payload: undefined, problem: 'empty' }) : undefined;
      if (!final && !text.endsWith('}')) return undefined;
      try {
        const v = JSON.parse(text) as unknown;
        if (v && typeof v === 'object' && !Array.isArray(v)) return finish({ payload: v as Record<string, unknown>, problem: undefined });
        return finish({ payload: undefined, problem: 'malformed' });
      } catch {
        return final ? finish({ payload: undefined, problem: 'malformed' }) : undefined;
      }
    };
    const onData = (d: Buffer) => {
      bytes += d.length;
      if (head.length < 4096) head += d.toString('utf8', 0, Math.min(d.length, 4096 - head.length));
      if (bytes > o.limitBytes) return finish({ payload: undefined, problem: 'too-large' });
      chunks.push(d);
      tryParse(false);
    };
    const onEnd = () => tryParse(true);
    const timer = setTimeout(() => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      finish({ payload: undefined, problem: text ? 'malformed' : 'timeout' });
    }, o.timeoutMs);
    timer.unref?.();
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });
}

/**
 * Recovers the small string fields of a hook payload from its first bytes: agents put
 * session_id, cwd and the event first, so a 50 MB prompt does not cost us the session.
 */
export function salvageFields(head: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /"(session_id|transcript_path|cwd|hook_event_name|source|reason|conversation_id)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(head); m; m = re.exec(head)) {
    try {
      out[m[1]!] = JSON.parse(`"${m[2]}"`) as string;
    } catch {
      // a field cut in the middle of an escape: skip it
    }
  }
  return out;
}
