/**
 * `tasks.idPattern` runs on untrusted text (every commit message, branch name and task file name)
 * in JavaScript and, in the commit fast path, in POSIX awk. Both engines backtrack: a pattern like
 * `([A-Z]+)+-1` takes exponential time on a line of capitals (a commit hung for more than 90 s;
 * mawk here needs 44 s for `(a+)+b` on 30 characters). So a pattern is checked when the config is
 * read, by this small checker, and refused when it is outside the subset both engines share or
 * when its matching can blow up:
 *
 * 1. Syntax: literals, `.`, escapes (`\d` `\w` `\s` and escaped punctuation), bracket classes,
 *    groups `(...)`/`(?:...)`, `|`, and the quantifiers `* + ? {n} {n,} {n,m}`. No lookaround,
 *    backreference, named group, lazy or possessive quantifier, anchor, or flag.
 * 2. No nested repetition: a quantifier that repeats (upper bound above 1) may not apply to
 *    anything holding a quantifier of variable count or an alternation (`(a+)+`, `(a|ab)*`,
 *    `(\d?)*`): the same text could then be split in exponentially many ways.
 * 3. No adjacent repetitions that can match the same characters (`[A-Z]+[A-Z0-9]+`): each such
 *    pair multiplies the work by the length of the line.
 *
 * The checker is conservative: a pattern it refuses may have been harmless, and the message says
 * how to write it instead. What it cannot see is bounded at run time: ids are searched line by
 * line in windows of a few hundred characters (tasks/ids.ts, findIds).
 */

/** A set of characters: 128 ASCII bits, and whether it holds anything beyond ASCII. */
interface CharSet {
  ascii: bigint;
  other: boolean;
}

type Node =
  | { t: 'chars'; set: CharSet; src: string }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'group'; body: Node }
  | { t: 'repeat'; body: Node; min: number; max: number };

export class PatternError extends Error {}

const ALL: CharSet = { ascii: (1n << 128n) - 1n, other: true };
const NONE: CharSet = { ascii: 0n, other: false };

function range(a: number, b: number): CharSet {
  let ascii = 0n;
  for (let c = Math.max(0, a); c <= Math.min(127, b); c++) ascii |= 1n << BigInt(c);
  return { ascii, other: b > 127 };
}
const union = (x: CharSet, y: CharSet): CharSet => ({ ascii: x.ascii | y.ascii, other: x.other || y.other });
const invert = (x: CharSet): CharSet => ({ ascii: ALL.ascii & ~x.ascii, other: true });
const overlaps = (x: CharSet, y: CharSet): boolean => (x.ascii & y.ascii) !== 0n || (x.other && y.other);

const DIGIT = range(48, 57);

class Parser {
  i = 0;
  constructor(readonly src: string) {}

  fail(what: string): never {
    throw new PatternError(`${what} (at character ${this.i + 1})`);
  }

  parse(): Node {
    const n = this.alt();
    if (this.i < this.src.length) this.fail(`unexpected "${this.src[this.i]}"`);
    return n;
  }

  alt(): Node {
    const options = [this.seq()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.seq());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  seq(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') items.push(this.quantified());
    return { t: 'seq', items };
  }

  quantified(): Node {
    let n = this.atom();
    for (;;) {
      const c = this.src[this.i];
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, Infinity];
      else if (c === '+') [min, max] = [1, Infinity];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{') {
        const m = /^\{(\d{1,4})(,(\d{0,4}))?\}/.exec(this.src.slice(this.i));
        if (!m) this.fail('a "{" that is not a {n}, {n,} or {n,m} quantifier (escape it: \\{)');
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (max < min) this.fail('a {n,m} quantifier with m below n');
        if (min > 64 || (max !== Infinity && max > 64)) this.fail('a repetition count above 64 (a task id is at most 64 characters)');
        this.i += m[0].length - 1;
      } else return n;
      this.i++;
      if (this.src[this.i] === '?' || this.src[this.i] === '+') this.fail('a lazy or possessive quantifier (awk has neither)');
      if (n.t === 'repeat') this.fail('a quantifier on a quantifier');
      n = { t: 'repeat', body: n, min, max };
    }
  }

  atom(): Node {
    const c = this.src[this.i]!;
    if (c === '(') {
      this.i++;
      if (this.src[this.i] === '?') {
        if (this.src[this.i + 1] !== ':') this.fail('lookaround, named groups and inline flags are not allowed (awk has none of them)');
        this.i += 2;
      }
      const body = this.alt();
      if (this.src[this.i] !== ')') this.fail('a "(" that is not closed');
      this.i++;
      return { t: 'group', body };
    }
    const start = this.i;
    if (c === '[') {
      const set = this.bracket();
      return { t: 'chars', set, src: this.src.slice(start, this.i) };
    }
    if (c === '.') {
      this.i++;
      return { t: 'chars', set: ALL, src: '.' };
    }
    if (c === '\\') {
      const set = this.escape(false);
      const src = this.src.slice(start, this.i);
      return { t: 'chars', set, src: src === '\\d' ? '[0-9]' : src };
    }
    if (c === '^' || c === '$') this.fail('anchors are not allowed: sortie anchors the pattern itself');
    if ('*+?{'.includes(c)) this.fail(`a quantifier "${c}" with nothing to repeat`);
    if (c === ')') this.fail('a ")" that was not opened');
    this.i++;
    const code = c.charCodeAt(0);
    return { t: 'chars', set: range(code, code), src: c };
  }

  escape(inClass: boolean): CharSet {
    const c = this.src[this.i + 1];
    if (c === undefined) this.fail('a "\\" at the end');
    this.i += 2;
    // \d alone is shared (it is written [0-9] for awk); \w and \s are not POSIX.
    if (c === 'd' && !inClass) return DIGIT;
    if (c === 'd') this.fail('\\d inside [...] (write 0-9 there)');
    if ('DwWsS'.includes(c)) this.fail(`the escape \\${c} is not understood by POSIX awk (write a class like [A-Za-z0-9_] or [ \t])`);
    if (/[0-9]/.test(c)) this.fail('backreferences are not allowed');
    if (/[A-Za-z]/.test(c)) this.fail(`the escape \\${c} is not shared by JavaScript and awk`);
    if (inClass && c === '-') return range(45, 45);
    const code = c.charCodeAt(0);
    return range(code, code);
  }

  bracket(): CharSet {
    this.i++;
    let negate = false;
    if (this.src[this.i] === '^') {
      negate = true;
      this.i++;
    }
    let set = NONE;
    let first = true;
    for (;;) {
      const c = this.src[this.i];
      if (c === undefined) this.fail('a "[" that is not closed');
      if (c === ']' && !first) break;
      if (c === '[' && /^\[[:.=]/.test(this.src.slice(this.i))) this.fail('POSIX classes like [:alpha:] are not understood by JavaScript');
      first = false;
      let lo: CharSet;
      let loCode: number | undefined;
      if (c === '\\') {
        const before = this.i;
        lo = this.escape(true);
        if (this.i - before === 2 && !/[dDwWsS]/.test(this.src[before + 1]!)) loCode = this.src.charCodeAt(before + 1);
      } else {
        loCode = c.charCodeAt(0);
        lo = range(loCode, loCode);
        this.i++;
      }
      if (this.src[this.i] === '-' && this.src[this.i + 1] !== ']' && this.src[this.i + 1] !== undefined && loCode !== undefined) {
        this.i++;
        let hiCode: number;
        if (this.src[this.i] === '\\') {
          const before = this.i;
          this.escape(true);
          hiCode = this.src.charCodeAt(before + 1);
        } else hiCode = this.src.charCodeAt(this.i++);
        if (hiCode < loCode) this.fail('a character range that runs backwards');
        set = union(set, range(loCode, hiCode));
      } else set = union(set, lo);
    }
    this.i++;
    return negate ? invert(set) : set;
  }
}

function variable(n: Node): boolean {
  switch (n.t) {
    case 'chars':
      return false;
    case 'seq':
      return n.items.some(variable);
    case 'alt':
      return true;
    case 'group':
      return variable(n.body);
    case 'repeat':
      return n.min !== n.max || variable(n.body);
  }
}

/** The characters a node can start with / end with (approximate: the union over its parts). */
function chars(n: Node): CharSet {
  switch (n.t) {
    case 'chars':
      return n.set;
    case 'seq':
      return n.items.reduce((s, x) => union(s, chars(x)), NONE);
    case 'alt':
      return n.options.reduce((s, x) => union(s, chars(x)), NONE);
    case 'group':
      return chars(n.body);
    case 'repeat':
      return chars(n.body);
  }
}

function check(n: Node): void {
  switch (n.t) {
    case 'chars':
      return;
    case 'group':
      return check(n.body);
    case 'alt':
      return n.options.forEach(check);
    case 'repeat':
      if (n.max > 1 && variable(n.body)) {
        throw new PatternError('a repetition of something that itself varies in length or has alternatives, like (a+)+ or (a|ab)*: the same text could be matched in exponentially many ways; repeat a single character class instead, like [A-Z0-9]+');
      }
      return check(n.body);
    case 'seq': {
      n.items.forEach(check);
      const reps = n.items.filter((x) => x.t === 'repeat' && x.max > 1 && x.max - x.min > 1);
      for (let k = 0; k + 1 < n.items.length; k++) {
        const x = n.items[k]!;
        const y = n.items[k + 1]!;
        if (reps.includes(x) && reps.includes(y) && overlaps(chars(x), chars(y))) {
          throw new PatternError('two repetitions in a row that can match the same characters, like [A-Z]+[A-Z0-9]+: the work grows with the square of the line; make the first one a single character, like [A-Z][A-Z0-9]+');
        }
      }
    }
  }
}

// The shipped patterns (defaults and presets) are known safe; hooks load the config on every run
// and need not pay for checking them.
const cache = new Map<string, string | undefined>([
  ['[A-Z][A-Z0-9]+-[0-9]+', undefined],
  ['[A-Z]{3}-[CHML]-[0-9]{4}', undefined],
]);

/** Why a pattern is refused (see the rules above), or undefined when it is safe. */
export function patternProblem(source: string): string | undefined {
  if (cache.has(source)) return cache.get(source);
  const problem = checkPattern(source);
  cache.set(source, problem);
  return problem;
}

/** patternProblem without the cache (the shipped patterns are checked by the tests through this). */
export function checkPattern(source: string): string | undefined {
  try {
    if (source.length === 0) throw new PatternError('it is empty');
    if (source.length > 200) throw new PatternError('it is longer than 200 characters');
    check(new Parser(source).parse());
    return undefined;
  } catch (e) {
    if (!(e instanceof PatternError)) throw e;
    return e.message;
  }
}

/**
 * The pattern as a POSIX ERE for awk (the commit fast path, hooks/sortie.sh): `(?:` becomes `(`,
 * `\d` becomes `[0-9]`, and `{n,m}` intervals are written out, since mawk (Debian's awk) does not
 * understand them: `[A-Z]{3}` would match the text "{3}", and the fast path would skip every
 * message naming a site-nine id. Throws PatternError for a pattern patternProblem refuses.
 */
export function awkPattern(source: string): string {
  const problem = patternProblem(source);
  if (problem) throw new PatternError(problem);
  return ere(new Parser(source).parse());
}

function ere(n: Node): string {
  switch (n.t) {
    case 'chars':
      return n.src;
    case 'seq':
      return n.items.map(ere).join('');
    case 'alt':
      return n.options.map(ere).join('|');
    case 'group':
      return `(${ere(n.body)})`;
    case 'repeat': {
      const one = n.body.t === 'chars' || n.body.t === 'group' ? ere(n.body) : `(${ere(n.body)})`;
      if (n.min === 0 && n.max === Infinity) return `${one}*`;
      if (n.min === 1 && n.max === Infinity) return `${one}+`;
      if (n.min === 0 && n.max === 1) return `${one}?`;
      return one.repeat(n.min) + (n.max === Infinity ? `${one}*` : `${one}?`.repeat(n.max - n.min));
    }
  }
}
