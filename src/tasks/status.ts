import { SortieError } from '../errors.js';

export const STATUSES = ['TODO', 'UNDERWAY', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'ABORTED'] as const;
export type Status = (typeof STATUSES)[number];

export const TERMINAL: ReadonlySet<Status> = new Set(['COMPLETE', 'ABORTED']);

/** The one table of allowed status changes. Everything that changes a status goes through assertTransition. */
const ALLOWED: Record<Status, readonly Status[]> = {
  TODO: ['UNDERWAY', 'BLOCKED', 'PAUSED', 'ABORTED'],
  UNDERWAY: ['TODO', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'ABORTED'],
  BLOCKED: ['TODO', 'UNDERWAY', 'ABORTED'],
  PAUSED: ['TODO', 'UNDERWAY', 'ABORTED'],
  REVIEW: ['UNDERWAY', 'COMPLETE', 'ABORTED'],
  COMPLETE: [],
  ABORTED: [],
};

/** Statuses from which a task can be claimed (claiming moves it to UNDERWAY). */
export const CLAIMABLE: ReadonlySet<Status> = new Set(['TODO', 'UNDERWAY', 'PAUSED', 'BLOCKED', 'REVIEW']);

export function isStatus(s: unknown): s is Status {
  return typeof s === 'string' && (STATUSES as readonly string[]).includes(s);
}

export function canTransition(from: Status, to: Status): boolean {
  return from === to || ALLOWED[from].includes(to);
}

/** Throws unless from → to is allowed; `force` (repair only) skips the check and is recorded by the caller. */
export function assertTransition(id: string, from: Status, to: Status, force = false): void {
  if (force || canTransition(from, to)) return;
  const next = ALLOWED[from];
  throw new SortieError('TRANSITION', `${id} is ${from}; it cannot move to ${to}`, {
    hint: next.length
      ? `from ${from} a task can move to ${next.join(', ')}; to repair a record use --force`
      : `${from} is final; to repair a record use --force`,
    data: { task: id, from, to },
  });
}

export const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PRIORITY_LETTER: Record<Priority, string> = { critical: 'C', high: 'H', medium: 'M', low: 'L' };

/** Accepts `high`, `H`, `P1`, `1`; returns undefined for anything else. */
export function parsePriority(v: unknown): Priority | undefined {
  if (v === undefined || v === null || v === '') return 'medium';
  const s = String(v).trim().toLowerCase();
  if ((PRIORITIES as readonly string[]).includes(s)) return s as Priority;
  const byLetter: Record<string, Priority> = { c: 'critical', h: 'high', m: 'medium', l: 'low' };
  if (byLetter[s]) return byLetter[s];
  const m = /^p?([0-3])$/.exec(s);
  if (m) return PRIORITIES[Number(m[1])];
  return undefined;
}

export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}
