import { isStatus, type Status } from '../tasks/status.js';

/**
 * What a claim ref on the remote records (refs/sortie/claims/<ID> points at a commit whose tree
 * holds this as `claim.json`; the commit's parent is the claim's previous tip, so its history is a
 * chain). It comes from other clones: everything in it is checked before use.
 */
export type ClaimState = 'held' | 'handed-off' | 'done' | 'aborted' | 'released';
export const CLAIM_STATES: readonly ClaimState[] = ['held', 'handed-off', 'done', 'aborted', 'released'];

export interface Holder {
  codename: string;
  /** The mission's number in its own clone's database. */
  mission: number;
  agent: string;
  /** The git identity of the person (email, else name). */
  person: string | null;
  host: string;
  /** The random id of the clone's database (meta clone_id). */
  clone: string;
}

export interface ClaimDoc {
  v: 1;
  task: string;
  state: ClaimState;
  /** The task's status after the event (UNDERWAY, REVIEW, COMPLETE, ABORTED, TODO...). */
  status: Status;
  /** Who holds it (state `held`), or who made the last change. */
  holder: Holder;
  /** Since when the holder has held it. */
  since: string;
  /** When the claim lapses unless renewed (null once it is not held). */
  expires: string | null;
  changedAt: string;
  /** What made this version: claim, renew, takeover, done, abort, handoff, release, block, pause, review, reopen, revoke. */
  event: string;
  /** A handoff's notes, for whoever picks the task up in another clone. */
  note?: string | undefined;
  /** Who held it before a takeover or a change by someone else. */
  previous?: { codename: string; clone: string; state: ClaimState } | undefined;
}

/** An id reservation (refs/sortie/ids/<ID>). */
export interface IdDoc {
  v: 1;
  task: string;
  title: string;
  created: string;
  clone: string;
}

const MAX_DOC = 16 * 1024;
export const MAX_NOTE = 8000;
const str = (v: unknown, max = 400): v is string => typeof v === 'string' && v.length <= max;
const time = (v: unknown): v is string => str(v, 40) && !Number.isNaN(Date.parse(v));

/** A claim.json from the remote, checked field by field; undefined when it is not one. */
export function parseClaimDoc(text: string, task: string): ClaimDoc | undefined {
  if (text.length > MAX_DOC) return undefined;
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof d !== 'object' || d === null || d.task !== task) return undefined;
  if (!CLAIM_STATES.includes(d.state as ClaimState) || !isStatus(d.status as string)) return undefined;
  const h = d.holder as Record<string, unknown> | undefined;
  if (typeof h !== 'object' || h === null || !str(h.codename, 120) || !Number.isSafeInteger(h.mission) || !str(h.agent, 80) || !str(h.host, 255) || !str(h.clone, 64)) return undefined;
  if (h.person !== null && h.person !== undefined && !str(h.person, 320)) return undefined;
  if (!time(d.since) || !time(d.changedAt) || (d.expires !== null && !time(d.expires)) || !str(d.event, 40)) return undefined;
  const p = d.previous as Record<string, unknown> | undefined;
  const previous = p && typeof p === 'object' && str(p.codename, 120) && str(p.clone, 64) && CLAIM_STATES.includes(p.state as ClaimState) ? { codename: p.codename, clone: p.clone, state: p.state as ClaimState } : undefined;
  return {
    v: 1,
    task,
    state: d.state as ClaimState,
    status: d.status as Status,
    holder: { codename: h.codename, mission: h.mission as number, agent: h.agent, person: (h.person as string | null | undefined) ?? null, host: h.host, clone: h.clone },
    since: d.since,
    expires: (d.expires as string | null) ?? null,
    changedAt: d.changedAt,
    event: d.event,
    note: str(d.note, MAX_NOTE) ? d.note : undefined,
    previous,
  };
}
