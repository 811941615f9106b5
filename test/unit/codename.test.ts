import { describe, expect, it } from 'vitest';
import { ADJECTIVES, NOUNS, codename } from '../../dist/missions/codename.js';

describe('codenames', () => {
  it('are deterministic', () => {
    expect(codename(1)).toBe('amber-albatross');
    expect(codename(2)).toBe('ashen-badger');
    expect(codename(1)).toBe(codename(1));
    expect(codename(42)).toBe(codename(42));
  });

  it('give 3127 distinct names before any repeats, then a numeric suffix', () => {
    expect(ADJECTIVES.length * NOUNS.length).toBe(3127);
    expect(new Set(ADJECTIVES).size).toBe(ADJECTIVES.length);
    expect(new Set(NOUNS).size).toBe(NOUNS.length);
    const first = Array.from({ length: 3127 }, (_, i) => codename(i + 1));
    expect(new Set(first).size).toBe(3127);
    for (const n of first) expect(n).toMatch(/^[a-z]+-[a-z]+$/);
    expect(codename(3128)).toBe(`${codename(1)}-2`);
    expect(codename(3129)).toBe(`${codename(2)}-2`);
    expect(codename(2 * 3127 + 1)).toBe(`${codename(1)}-3`);
    const second = Array.from({ length: 3127 }, (_, i) => codename(3127 + i + 1));
    expect(new Set([...first, ...second]).size).toBe(6254);
  });
});
