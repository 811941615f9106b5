import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { SortieError } from '../errors.js';
import { gitPersonKey, type Env } from '../git.js';
import { iso } from '../time.js';
import { getMission, insertMission, missionBySession, reopenMission, type MissionRow } from './missions.js';
import { ancestors, isAlive } from './process.js';

/** What the caller knows beyond the environment, to tell which mission is acting. */
export interface IdentityHints {
  /** The agents' session variables, in order (agents/index.ts SESSION_VARS: the domain does not know the agents). */
  sessionVars: readonly string[];
  /** Variables that show a process runs under an agent (the session variables and the agents' markers). */
  agentVars: readonly string[];
  /** The acting process (the sortie command, the git hook): its ancestors are matched against the live missions' agent pids. */
  pid?: number | undefined;
}

export interface Actor {
  mission: MissionRow;
  /** How it was identified, for messages and tests. */
  via: 'SORTIE_MISSION' | 'session' | 'ancestry' | 'person';
}

/**
 * Which mission is acting, in order:
 * 1. SORTIE_MISSION (exported into the agent's shell by its env file or a command rewrite);
 * 2. the agent's own session variable (CLAUDE_CODE_SESSION_ID, CODEX_THREAD_ID, ...) looked up
 *    against the missions;
 * 3. process ancestry, for a process whose environment shows it runs under an agent (one of
 *    `agentVars` is set): the nearest ancestor that is a live mission's recorded agent process
 *    (pid and start time). This covers agent shells that carry no identity sortie knows, such as
 *    a Copilot subagent's, whose session variable is an id no hook ever saw;
 * 4. else the person at the terminal (their personal mission, keyed by git identity).
 * Never by branch or cwd: stale shells and shared branches would misroute.
 */
export function findActingMission(db: Database, env: Env, hints: IdentityHints): { mission: MissionRow; via: Actor['via'] } | undefined {
  const explicit = env.SORTIE_MISSION?.trim();
  let stale: MissionRow | undefined;
  if (explicit) {
    const id = Number(explicit);
    const m = Number.isInteger(id) ? getMission(db, id) : undefined;
    if (m && !m.ended_at) return { mission: m, via: 'SORTIE_MISSION' };
    stale = m;
  }
  for (const name of hints.sessionVars) {
    const sid = env[name]?.trim();
    if (!sid) continue;
    const m = missionBySession(db, sid);
    // A live session beats a SORTIE_MISSION left over from an ended mission (a stale shell).
    if (m && (!m.ended_at || !stale)) return { mission: m, via: 'session' };
  }
  if (hints.pid && hints.agentVars.some((name) => env[name])) {
    const m = missionByAncestry(db, hints.pid);
    if (m) return { mission: m, via: 'ancestry' };
  }
  return stale ? { mission: stale, via: 'SORTIE_MISSION' } : undefined;
}

/** The live agent mission whose recorded agent process is an ancestor of `pid` (the nearest one). */
export function missionByAncestry(db: Database, pid: number): MissionRow | undefined {
  const live = db.prepare("SELECT * FROM missions WHERE ended_at IS NULL AND kind = 'agent' AND pid IS NOT NULL ORDER BY id DESC").all() as MissionRow[];
  if (live.length === 0) return undefined;
  const byPid = new Map<number, MissionRow>();
  for (const m of live) if (!byPid.has(m.pid!)) byPid.set(m.pid!, m);
  for (const p of ancestors(pid)) {
    const m = byPid.get(p);
    if (m && isAlive(p, m.pid_start)) return m;
  }
  return undefined;
}

export function resolveActor(db: Database, hints: IdentityHints, env: Env, cwd: string, now: Date, opts: { create?: boolean } = {}): Actor | undefined {
  const found = findActingMission(db, env, hints);
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
