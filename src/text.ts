/**
 * Text that came from outside sortie (a hook payload, a task file, a commit, a branch name, an
 * agent's notes, another tool's database) is untrusted. It is stored as it came and made safe
 * where it is written, by the one function of this module for that SINK:
 *
 * | sink                                   | function                          |
 * |----------------------------------------|-----------------------------------|
 * | a terminal, one line (tables, messages)| forTerminal                       |
 * | a terminal, a block (a body, notes)    | forTerminalBlock                  |
 * | the context injected into an agent     | forContext / forContextBlock      |
 * | a YAML scalar (journal front matter)   | forYaml                           |
 * | HTML (the board, reports)              | forHtml, forScriptJson            |
 * | a word of a shell script               | shellQuote                        |
 *
 * Kept apart from ui.ts so hooks that build context do not load the colour library.
 */

/* eslint-disable no-control-regex */
// Escape sequences: OSC/DCS/SOS/PM/APC strings (up to BEL or ST), CSI sequences, then any other
// ESC pair; the 8-bit CSI and the rest of C1 go with the control characters below.
const ESC_STRING = /\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?/g;
const CSI = /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?/g;
const ESC_PAIR = /\x1b[\s\S]?/g;
// C0 but tab and newline, DEL, C1, and the Unicode bidirectional overrides and isolates (they
// reorder what a reader sees: "Trojan Source").
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Line breaks of every kind, so that a "one line" sink really gets one line.
const BREAKS = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/g;
/* eslint-enable no-control-regex */

function stripEscapes(s: string): string {
  return s.replace(ESC_STRING, '').replace(CSI, '').replace(ESC_PAIR, '');
}

function text(s: unknown): string {
  if (s === undefined || s === null) return '';
  return typeof s === 'string' ? s : String(s);
}

function cap(s: string, max: number): string {
  if (s.length <= max) return s;
  // Never cut a surrogate pair in half.
  let end = max - 1;
  if (end > 0 && /[\ud800-\udbff]/.test(s[end - 1]!)) end--;
  return `${s.slice(0, Math.max(0, end))}…`;
}

/** One line for a terminal: escape sequences and control characters removed, whitespace runs made one space, cut to max. */
export function forTerminal(s: unknown, max = 200): string {
  const t = stripEscapes(text(s)).replace(BREAKS, ' ').replace(/\t/g, ' ').replace(CONTROL, '').replace(/\s+/g, ' ').trim();
  return cap(t, max);
}

/** Several lines for a terminal: each line as forTerminal would make it (tabs kept), line breaks kept as `\n`, cut to max. */
export function forTerminalBlock(s: unknown, max = 4000): string {
  const t = stripEscapes(text(s)).replace(BREAKS, '\n').replace(CONTROL, '');
  return cap(t, max);
}

/**
 * One line of the context injected into an agent: as forTerminal, so a value can never start a
 * line of its own (no forged heading or section), and cut to max.
 */
export function forContext(s: unknown, max = 200): string {
  return forTerminal(s, max);
}

/**
 * A block of the context injected into an agent (a handoff, a summary): each line as
 * forTerminalBlock, and every line that markdown would read as structure is escaped with a
 * backslash, so the block cannot forge a heading (`#`, or a `---`/`===` underline), close or open
 * a code fence, or open an HTML comment that would hide what follows. Cut to max.
 */
export function forContextBlock(s: unknown, max = 1200): string {
  const lines = forTerminalBlock(s, Number.MAX_SAFE_INTEGER).split('\n');
  const out = lines.map((l) => (/^\s*(?:#|```|~~~|<|(?:-\s*){3,}$|(?:=\s*){3,}$|(?:_\s*){3,}$|(?:\*\s*){3,}$)/.test(l) ? `\\${l.trimStart()}` : l));
  return cap(out.join('\n'), max);
}

/**
 * A YAML scalar that reads back as the same string. A plain word or phrase stays plain (diffs of
 * task files stay readable): it starts with a letter (so it is never a number or a date), holds
 * only letters, digits, spaces and `._/()-`, and is not a word some YAML reads as a boolean or
 * null. Anything else is a double-quoted string with every control character and line break
 * escaped, so a value can never end the scalar, add a key or end the front matter. (A JSON string
 * is a valid YAML double-quoted scalar; the line breaks YAML knows beyond JSON's are escaped too.)
 */
export function forYaml(s: unknown): string {
  const t = text(s);
  if (/^[A-Za-z][A-Za-z0-9 ._/()-]*$/.test(t) && !/ $/.test(t) && !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(t)) return t;
  return JSON.stringify(t).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Text or an attribute value in HTML. */
export function forHtml(s: unknown): string {
  return text(s).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Data as JSON inside an HTML <script> element (the board's report page): `<`, `>` and `&` are
 * escaped so no string in it (a task title of `</script><script>...`) can end the element, and
 * U+2028/2029 so it stays one JavaScript-safe literal.
 */
export function forScriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A word of a POSIX shell script: single-quoted, a quote inside written as '\''. Nothing in it is expanded. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The option closest to a mistyped word, if it is close enough to be what was meant. */
export function nearest(word: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
