import type { SortieConfig, Verdict } from '../config/types.js';
import type { MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { idPrefix } from '../tasks/ids.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import { liveClaim, prefixInUse, taskRow } from '../tasks/tasks.js';
import type { Reference } from './references.js';
import { heldElsewhere } from '../remote/cache.js';

export type Reason = 'held' | 'claimed-by-anyone' | 'unclaimed' | 'held-by-other' | 'unknown' | 'closed';

export interface Check {
  id: string;
  source: Reference['source'];
  verdict: 'pass' | 'warn' | 'block' | 'ignore';
  reason: Reason;
  title?: string | undefined;
  status?: string | undefined;
  /** Where the (effective) status comes from when it is not this checkout's file: "on feat (not merged into main)". */
  where?: string | undefined;
  /** `host`: held in another clone (seen on the git remote), on that machine. */
  holder?: { mission: number; codename: string; agent: string; person: string | null; since: string; host?: string | undefined } | undefined;
}

export interface Actor {
  /** The acting mission; undefined for a person with no personal mission yet (so no claims). */
  mission: MissionRow | undefined;
  kind: 'agent' | 'person';
}

/**
 * The guard's decision for each referenced id. Ids whose prefix no task uses (UTF-8, SHA-256) are
 * not task ids and are ignored; an unknown id with a known prefix is `guard.unknownTask`.
 */
export function evaluate(db: Database, config: SortieConfig, actor: Actor, refs: Reference[], here?: string): Check[] {
  const out: Check[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    if (seen.has(ref.id)) continue;
    seen.add(ref.id);
    const task = taskRow(db, ref.id);
    if (!task) {
      const known = prefixInUse(db, idPrefix(ref.id));
      out.push({ id: ref.id, source: ref.source, verdict: known ? asVerdict(config.guard.unknownTask) : 'ignore', reason: 'unknown' });
      continue;
    }
    // The status is the shared view's: a task finished on another branch is closed here too.
    const origin = here ? originFor(db, task, here) : undefined;
    const base = { id: ref.id, source: ref.source, title: task.title, status: task.status, where: origin ? describeOrigin(origin, branchHere(db, here!)) : undefined };
    if ((task.status === 'COMPLETE' || task.status === 'ABORTED') && ref.source !== 'task-file') {
      out.push({ ...base, verdict: asVerdict(config.guard.closedTask), reason: 'closed' });
      continue;
    }
    const held = liveClaim(db, ref.id);
    // Held in another clone, as the cache of the git remote last saw it (no network here).
    const elsewhere = held ? undefined : heldElsewhere(db, ref.id);
    if (elsewhere) {
      const holder = { mission: elsewhere.mission ?? 0, codename: elsewhere.codename ?? 'another mission', agent: elsewhere.agent ?? 'unknown', person: elsewhere.person, since: elsewhere.since ?? elsewhere.changed_at, host: elsewhere.host ?? undefined };
      out.push({ ...base, verdict: 'block', reason: 'held-by-other', holder });
      continue;
    }
    const holder = held
      ? { mission: held.mission.id, codename: held.mission.codename, agent: held.mission.agent, person: held.mission.person, since: held.claimed_at }
      : undefined;
    if (held && actor.mission && held.mission.id === actor.mission.id) out.push({ ...base, verdict: 'pass', reason: 'held', holder });
    else if (held && actor.kind === 'person' && config.guard.personPolicy === 'anyone') out.push({ ...base, verdict: 'pass', reason: 'claimed-by-anyone', holder });
    else if (held) out.push({ ...base, verdict: 'block', reason: 'held-by-other', holder });
    else if (ref.source === 'task-file' && (task.status === 'COMPLETE' || task.status === 'ABORTED')) out.push({ ...base, verdict: 'pass', reason: 'closed' });
    else out.push({ ...base, verdict: 'block', reason: 'unclaimed' });
  }
  return out;
}

function asVerdict(v: Verdict): Check['verdict'] {
  return v === 'block' ? 'block' : v === 'warn' ? 'warn' : 'ignore';
}
