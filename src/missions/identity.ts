import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { SortieError } from '../errors.js';
import { gitPersonKey, type Env } from '../git.js';
import { iso } from '../time.js';
import { getMission, insertMission, missionBySession, reopenMission, type MissionRow } from './missions.js';
import { isAlive } from './process.js';

/**
 * Session variables, visible in the shells agents run commands in: SORTIE_SESSION first (what
 * SessionStart exports through the agent's env file, for every agent, even when the mission could
 * not be created yet because the database was locked), then the agents' own.
 */
const SESSION_VARS: { env: string; agent: string }[] = [
  { env: 'SORTIE_SESSION', agent: '*' },
  { env: 'CLAUDE_CODE_SESSION_ID', agent: 'claude-code' },
  { env: 'GEMINI_SESSION_ID', agent: 'gemini-cli' },
  { env: 'CODEX_THREAD_ID', agent: 'codex' },
];

export interface Actor {
  mission: MissionRow;
  /** How it was identified, for messages and tests. */
  via: 'SORTIE_MISSION' | 'session' | 'person';
}

/**
 * Which mission is acting: SORTIE_MISSION, else SORTIE_SESSION or the agent's session variable
 * looked up against the missions, else the person at the terminal (their personal mission, keyed by git identity).
 * Never by branch or cwd: stale shells and shared branches would misroute.
 */
export function findActingMission(db: Database, env: Env): { mission: MissionRow; via: Actor['via'] } | undefined {
  const explicit = env.SORTIE_MISSION?.trim();
  let stale: MissionRow | undefined;
  if (explicit) {
    const id = Number(explicit);
    const m = Number.isInteger(id) ? getMission(db, id) : undefined;
    if (m && !m.ended_at) return { mission: m, via: 'SORTIE_MISSION' };
    stale = m;
  }
  for (const v of SESSION_VARS) {
    const sid = env[v.env]?.trim();
    if (!sid) continue;
    const m = missionBySession(db, sid);
    // A live session beats a SORTIE_MISSION left over from an ended mission (a stale shell).
    if (m && (!m.ended_at || !stale)) return { mission: m, via: 'session' };
  }
  return stale ? { mission: stale, via: 'SORTIE_MISSION' } : undefined;
}

export function resolveActor(db: Database, env: Env, cwd: string, now: Date, opts: { create?: boolean } = {}): Actor | undefined {
  const found = findActingMission(db, env);
  if (found) {
    let m = found.mission;
    if (m.ended_at) {
      // An agent that acts is alive: reopen its mission if its process is still there.
      if (m.kind === 'agent' && m.pid && isAlive(m.pid, m.pid_start)) m = reopenMission(db, m, iso(now));
      else if (m.kind === 'agent') {
        throw new SortieError('MISSION_ENDED', `mission ${m.codename} (#${m.id}) has ended (${m.end_reason ?? 'ended'})`, {
          hint: 'start a new agent session, or `unset SORTIE_MISSION` to act as yourself',
          data: { mission: m.id },
        });
      }
    }
    return { mission: m, via: found.via };
  }
  if (opts.create === false) {
    const m = livePersonMission(db, gitPersonKey(cwd, env));
    return m ? { mission: m, via: 'person' } : undefined;
  }
  return { mission: personMission(db, env, cwd, now), via: 'person' };
}

/** The live personal mission of a person (by their key), if they have one. */
export function livePersonMission(db: Database, key: string | undefined): MissionRow | undefined {
  if (!key) return undefined;
  return db.prepare("SELECT * FROM missions WHERE kind = 'person' AND person = ? AND ended_at IS NULL").get(key) as MissionRow | undefined;
}

/** A person's claims belong to one live personal mission per git identity; it is never reaped for silence. */
function personMission(db: Database, env: Env, cwd: string, now: Date): MissionRow {
  const key = gitPersonKey(cwd, env) ?? env.USER ?? 'unknown';
  const at = iso(now);
  return write(db, () => {
    const existing = livePersonMission(db, key);
    if (existing) return existing;
    return insertMission(db, { kind: 'person', person: key, agent: 'human', at, cwd });
  });
}

export function describeMission(m: MissionRow): string {
  return m.kind === 'person' ? `${m.codename} (${m.person ?? 'a person'})` : `${m.codename} (${m.agent})`;
}
