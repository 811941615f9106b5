import { describe, expect, it } from 'vitest';
import { ADJECTIVES, NOUNS, PLAIN_SEED, codename, pickCodename, seedOf } from '../../dist/missions/codename.js';

const CLONE_A = '0123456789abcdef0123456789abcdef';
const CLONE_B = 'fedcba9876543210fedcba9876543210';

describe('codenames', () => {
  it('are deterministic for a mission of a clone', () => {
    expect(codename(1, PLAIN_SEED)).toBe('amber-albatross');
    expect(codename(2, PLAIN_SEED)).toBe('ashen-badger');
    expect(codename(42, seedOf(CLONE_A))).toBe(codename(42, seedOf(CLONE_A)));
    expect(pickCodename(7, CLONE_A)).toBe(codename(7, seedOf(CLONE_A)));
  });

  it('give each clone 3127 distinct names before any repeats, then a numeric suffix', () => {
    expect(ADJECTIVES.length * NOUNS.length).toBe(3127);
    expect(new Set(ADJECTIVES).size).toBe(ADJECTIVES.length);
    expect(new Set(NOUNS).size).toBe(NOUNS.length);
    for (const seed of [PLAIN_SEED, seedOf(CLONE_A), seedOf(CLONE_B)]) {
      const first = Array.from({ length: 3127 }, (_, i) => codename(i + 1, seed));
      expect(new Set(first).size).toBe(3127);
      for (const n of first) expect(n).toMatch(/^[a-z]+-[a-z]+$/);
      expect(codename(3128, seed)).toBe(`${codename(1, seed)}-2`);
      expect(codename(2 * 3127 + 1, seed)).toBe(`${codename(1, seed)}-3`);
    }
  });

  it('differ between clones: the first missions of two clones are not the same names', () => {
    const a = Array.from({ length: 5 }, (_, i) => codename(i + 1, seedOf(CLONE_A)));
    const b = Array.from({ length: 5 }, (_, i) => codename(i + 1, seedOf(CLONE_B)));
    expect(a).not.toEqual(b);
    expect(a[0]).not.toBe('amber-albatross');
    // Over many random clone ids, the first mission's name is spread over the pairs.
    const firsts = new Set(Array.from({ length: 200 }, (_, i) => codename(1, seedOf(((i + 1) * 2654435761 >>> 0).toString(16).padStart(8, '0') + ((i + 7) * 40503 >>> 0).toString(16).padStart(8, '0')))));
    expect(firsts.size).toBeGreaterThan(150);
  });

  it('take a clone tag, then a counter, when another clone already bears the name', () => {
    const base = codename(3, seedOf(CLONE_A));
    expect(pickCodename(3, CLONE_A, (n) => n === base)).toBe(`${base}-0123`);
    expect(pickCodename(3, CLONE_A, (n) => n === base || n === `${base}-0123`)).toBe(`${base}-0123-2`);
  });
});
