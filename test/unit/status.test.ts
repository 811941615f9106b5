import { describe, expect, it } from 'vitest';
import { STATUSES, TERMINAL, CLAIMABLE, assertTransition, canTransition, parsePriority } from '../../dist/tasks/status.js';
import { SortieError } from '../../dist/errors.js';

// The whole table, written out: a change to the rules must change this test.
const ALLOWED: Record<string, string[]> = {
  TODO: ['UNDERWAY', 'BLOCKED', 'PAUSED', 'ABORTED'],
  UNDERWAY: ['TODO', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'ABORTED'],
  BLOCKED: ['TODO', 'UNDERWAY', 'ABORTED'],
  PAUSED: ['TODO', 'UNDERWAY', 'ABORTED'],
  REVIEW: ['UNDERWAY', 'COMPLETE', 'ABORTED'],
  COMPLETE: [],
  ABORTED: [],
};

describe('status transitions', () => {
  it('knows exactly the seven statuses, two of them terminal', () => {
    expect([...STATUSES]).toEqual(['TODO', 'UNDERWAY', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'ABORTED']);
    expect([...TERMINAL].sort()).toEqual(['ABORTED', 'COMPLETE']);
    for (const t of TERMINAL) expect(CLAIMABLE.has(t)).toBe(false);
  });

  const pairs = STATUSES.flatMap((from) => STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));
  it.each(pairs)('%s -> %s follows the table', (from, to) => {
    const allowed = ALLOWED[from]!.includes(to);
    expect(canTransition(from, to)).toBe(allowed);
    if (allowed) expect(() => assertTransition('AUTH-1', from, to)).not.toThrow();
    else {
      let err: unknown;
      try {
        assertTransition('AUTH-1', from, to);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SortieError);
      expect((err as SortieError).code).toBe('TRANSITION');
      expect((err as SortieError).exitCode).toBe(1);
      expect((err as SortieError).message).toBe(`AUTH-1 is ${from}; it cannot move to ${to}`);
    }
  });

  it('staying in the same status is always allowed', () => {
    for (const s of STATUSES) expect(canTransition(s, s)).toBe(true);
  });

  it('terminal states have no way out except the repair override', () => {
    for (const from of ['COMPLETE', 'ABORTED'] as const) {
      for (const to of STATUSES.filter((s) => s !== from)) {
        expect(canTransition(from, to)).toBe(false);
        expect(() => assertTransition('AUTH-1', from, to, true)).not.toThrow();
      }
      try {
        assertTransition('AUTH-1', from, 'TODO');
        expect.unreachable();
      } catch (e) {
        expect((e as SortieError).hint).toBe(`${from} is final; to repair a record use --force`);
      }
    }
  });

  it('parses priorities in their accepted spellings only', () => {
    expect(parsePriority(undefined)).toBe('medium');
    expect(parsePriority('HIGH')).toBe('high');
    expect(parsePriority('c')).toBe('critical');
    expect(parsePriority('P3')).toBe('low');
    expect(parsePriority('1')).toBe('high');
    expect(parsePriority('urgent')).toBeUndefined();
    expect(parsePriority('P4')).toBeUndefined();
  });
});
