import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentEvent, HookKind } from '../agents/types.js';
import type { Env } from '../git.js';
import { DIR_MODE, FILE_MODE } from '../files.js';
import { beatFile } from '../store/paths.js';
import { enqueue } from '../store/queue.js';
import { iso } from '../time.js';
import type { EndEvent } from '../missions/end-event.js';
import { locate } from '../world/locate.js';
import { runHookFrame, type HookIO } from './frame.js';

/**
 * The two hooks that run most often or under the tightest budget do not open the database:
 * a heartbeat touches the session's beat file, and SessionEnd writes one queue entry
 * (store/queue.ts). The next sortie process (a SessionStart, any CLI command, the commit guard)
 * applies both before it reads anything (missions/catch-up.ts), so what people and agents see is
 * the same, and neither hook can wait on the database lock.
 */
export const LIGHT_KINDS: ReadonlySet<HookKind> = new Set(['heartbeat', 'end']);

export function runLightKind(kind: HookKind, ev: AgentEvent, env: Env, now: Date): void {
  if (!ev.sessionId) return;
  // Only where sortie's state exists: a heartbeat or an end is never what creates it.
  const at = locate(ev.projectDir ?? ev.cwd, env);
  if (!at?.exists) return;
  const { dbFile } = at;
  if (kind === 'heartbeat') {
    // The file holds the session id (written once); each beat only sets its mtime: one metadata
    // call, no data to write or to wait behind.
    const file = beatFile(dbFile, ev.sessionId);
    try {
      utimesSync(file, now, now);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
      writeFileSync(file, `${ev.sessionId}\n`, { mode: FILE_MODE });
      utimesSync(file, now, now);
    }
  } else if (kind === 'end') {
    // The reason is the agent's word, stored as given but bounded; every sink makes it safe (text.ts).
    const line: EndEvent = { type: 'end', agent: ev.agent, session: ev.sessionId, reason: (ev.reason ?? 'other').slice(0, 200), at: iso(now) };
    enqueue(dbFile, 'end', `${now.getTime()}-${process.pid}`, JSON.stringify(line));
  }
}

/** The light entry: handles heartbeat and end events, and declines the rest (returns undefined). */
export function runLightHook(agentName: string, event: string, io: HookIO): Promise<number | undefined> {
  return runHookFrame(agentName, event, io, (kind, ev, _a, now) => runLightKind(kind, ev, io.env, now), (k) => LIGHT_KINDS.has(k));
}
