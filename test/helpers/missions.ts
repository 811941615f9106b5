import { openDb } from '../../dist/store/open.js';
import { startMission, type MissionRow } from '../../dist/missions/missions.js';
import { processStart } from '../../dist/missions/process.js';

type Db = ReturnType<typeof openDb>;

/** Opens a sortie database read-write through the built library, for setting up a scenario. */
export function withDb<T>(file: string, fn: (db: Db) => T): T {
  const db = openDb(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Starts agent missions the way the SessionStart hook does, through the public library. */
export function agentMissions(
  file: string,
  n: number,
  o: { agent?: string; at?: string; pid?: number; sessionPrefix?: string } = {},
): MissionRow[] {
  const at = o.at ?? new Date().toISOString();
  return withDb(file, (db) =>
    Array.from({ length: n }, (_, i) =>
      startMission(db, {
        agent: o.agent ?? 'claude-code',
        sessionId: `${o.sessionPrefix ?? 'session'}-${i + 1}`,
        at,
        pid: o.pid,
        pidStart: o.pid ? processStart(o.pid) : undefined,
      }),
    ),
  );
}

export type { MissionRow };
