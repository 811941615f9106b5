// config/pattern.ts (which id patterns are refused, and their awk form) and tasks/ids.ts findIds
// (the bounded search). A refused pattern's real cost is shown with awk, which runs it in the
// commit fast path: the checker's refusal is what keeps a commit from hanging there.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { awkPattern, checkPattern, patternProblem } from '../../dist/config/pattern.js';
import { resolveConfig } from '../../dist/config/load.js';
import { findIds } from '../../dist/tasks/ids.js';
import { SortieError } from '../../dist/errors.js';

describe('id patterns', () => {
  it.each(['[A-Z][A-Z0-9]+-[0-9]+', '[A-Z]{3}-[CHML]-[0-9]{4}', '[A-Z]+-[0-9]+', 'PROJ-\\d+', '(AUTH|WEB)-[0-9]+', '(?:AUTH|WEB)-\\d{1,6}', '.+', '[A-Z]+_[0-9]+', 'X\\.[0-9]+'])('%s is accepted', (p) => {
    expect(checkPattern(p)).toBeUndefined();
    expect(patternProblem(p)).toBeUndefined();
  });

  it.each([
    ['([A-Z]+)+-[0-9]+', /repetition of something that itself varies/],
    ['(A|AB)*-1', /repetition of something that itself varies/],
    ['(\\d?)*-1', /repetition of something that itself varies/],
    ['([A-Z]{1,3})+-1', /repetition of something that itself varies/],
    ['[A-Z]+[A-Z0-9]+-[0-9]+', /two repetitions in a row/],
    ['\\d+\\d+', /two repetitions in a row/],
    ['(?=A)A-1', /lookaround/],
    ['(?<id>A)-1', /lookaround, named groups/],
    ['(A)-\\1', /backreferences/],
    ['A+?-1', /lazy or possessive/],
    ['^A-1', /anchors/],
    ['\\w+-1', /not understood by POSIX awk/],
    ['[\\d]+', /inside \[\.\.\.\]/],
    ['A{100}', /above 64/],
    ['(A-1', /not closed/],
    ['', /empty/],
  ])('%s is refused', (p, why) => {
    expect(patternProblem(p)).toMatch(why);
  });

  it('a config with a refused pattern is a config error naming the key and the file', () => {
    let e: unknown;
    try {
      resolveConfig({ tasks: { idPattern: '([A-Z]+)+-[0-9]+' } }, '/repo/.sortierc.json');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(SortieError);
    expect((e as SortieError).code).toBe('CONFIG');
    expect((e as SortieError).message).toContain('/repo/.sortierc.json: tasks.idPattern "([A-Z]+)+-[0-9]+" is refused');
  });

  it('awk gets the same language: intervals written out (mawk has none), \\d as [0-9]', () => {
    expect(awkPattern('[A-Z]{3}-[CHML]-[0-9]{4}')).toBe('[A-Z][A-Z][A-Z]-[CHML]-[0-9][0-9][0-9][0-9]');
    expect(awkPattern('(?:AUTH|WEB)-\\d{1,3}')).toBe('(AUTH|WEB)-[0-9][0-9]?[0-9]?');
    expect(awkPattern('A{2,}')).toBe('AAA*');
    // The system awk agrees with JavaScript on what they match.
    const samples = ['OPR-H-0032', 'OPR-X-0032', 'AUTH-12', 'WEB-1234', 'x AUTH-1 y', 'AAA', 'A'];
    for (const p of ['[A-Z]{3}-[CHML]-[0-9]{4}', '(?:AUTH|WEB)-\\d{1,3}', 'A{2,}']) {
      const awk = spawnSync('awk', ['-v', `re=${awkPattern(p)}`, '{ print ($0 ~ re) ? 1 : 0 }'], { input: `${samples.join('\n')}\n`, encoding: 'utf8' });
      expect(awk.stdout.trim().split('\n'), p).toEqual(samples.map((s) => (new RegExp(p).test(s) ? '1' : '0')));
    }
  });

  it('the system awk backtracks: why a refused pattern must never reach it', () => {
    // (a+)+b on 24 characters: the refused shape, kept small enough to finish here.
    const r = spawnSync('awk', ['-v', 're=(a+)+b', '$0 ~ re { print "match" }'], { input: `${'a'.repeat(18)}!\n`, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(patternProblem('(a+)+b')).toBeDefined();
  });
});

describe('findIds is bounded and exact', () => {
  const config = resolveConfig({}, 'test');
  // One search of the whole text; a match longer than 64 characters is not a task id.
  const naive = (text: string) => [...new Set(text.match(new RegExp(`(?<![A-Za-z0-9_])(?:${config.tasks.idPattern})(?![A-Za-z0-9_])`, 'g')) ?? [])].filter((m) => m.length <= 64).sort();

  it('finds in a long line what one search of the whole line finds, at every window edge', () => {
    for (const at of [0, 1, 200, 254, 255, 256, 257, 320, 321, 322, 511, 512, 513, 5000]) {
      for (const filler of ['x', ' ', 'A']) {
        const line = `${filler.repeat(at)}TASK-12 ${filler.repeat(3000)} AUTH-7${filler === 'A' ? ' ' : ''}`;
        expect(findIds(line, config).sort(), `${JSON.stringify(filler)} at ${at}`).toEqual(naive(line));
      }
    }
  });

  it('does not cut an id at a window edge into a shorter one', () => {
    for (let at = 240; at < 270; at++) {
      const line = `${'y'.repeat(at)} TASK-123456 ${'z'.repeat(600)}`;
      expect(findIds(line, config)).toEqual(['TASK-123456']);
    }
  });

  it('a megabyte line of capitals (quadratic for one search) is searched in windows', () => {
    const line = `${'A'.repeat(1 << 20)} TASK-1`;
    expect(findIds(line, config)).toEqual(['TASK-1']);
  });
});
