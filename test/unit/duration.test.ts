import { describe, expect, it } from 'vitest';
import { parseDuration, parseSince } from '../../dist/time.js';

describe('duration parsing', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['15min', 900_000],
    ['2h', 7_200_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    [' 2h ', 7_200_000],
    ['5', 300_000], // a bare number is minutes
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'h', '2 hours', '-1h', '2y', 'abc', '1e3s', '2h30m'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('turns --since into an ISO time: a duration ago, or a date', () => {
    const now = new Date('2026-03-10T12:00:00.000Z');
    expect(parseSince('2h', now)).toBe('2026-03-10T10:00:00.000Z');
    expect(parseSince('3d', now)).toBe('2026-03-07T12:00:00.000Z');
    expect(parseSince('2026-03-01', now)).toBe('2026-03-01T00:00:00.000Z');
    expect(parseSince('2026-03-01T08:30:00Z', now)).toBe('2026-03-01T08:30:00.000Z');
    expect(parseSince('yesterday-ish', now)).toBeUndefined();
  });
});
