/**
 * Minimal edits of a JSON text (package.json): one member set or removed, every other byte left as
 * it was (indentation, key order, line endings, inline arrays, a missing final newline). The text
 * must be valid JSON (callers parse it first).
 */

interface Member {
  key: string;
  /** Where the member starts (its key's opening quote) and where its value ends. */
  start: number;
  valueStart: number;
  end: number;
}

interface ObjectSpan {
  open: number;
  close: number;
  members: Member[];
}

function skipWs(s: string, i: number): number {
  while (i < s.length && ' \t\r\n'.includes(s[i]!)) i++;
  return i;
}

function skipString(s: string, i: number): number {
  // s[i] is the opening quote
  i++;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  return i + 1;
}

function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    i++;
    for (;;) {
      i = skipWs(s, i);
      if (s[i] === close) return i + 1;
      if (s[i] === ',' || s[i] === ':') {
        i++;
        continue;
      }
      i = skipValue(s, i);
    }
  }
  while (i < s.length && !',}] \t\r\n'.includes(s[i]!)) i++;
  return i;
}

function objectAt(s: string, open: number): ObjectSpan {
  const members: Member[] = [];
  let i = open + 1;
  for (;;) {
    i = skipWs(s, i);
    if (s[i] === '}') return { open, close: i, members };
    if (s[i] === ',') {
      i++;
      continue;
    }
    const start = i;
    const keyEnd = skipString(s, i);
    const key = JSON.parse(s.slice(start, keyEnd)) as string;
    i = skipWs(s, keyEnd);
    i = skipWs(s, i + 1); // past ':'
    const valueStart = i;
    i = skipValue(s, i);
    members.push({ key, start, valueStart, end: i });
  }
}

/** The indentation one level deeper than `at`'s line, as the file does it (two spaces when it cannot tell). */
export function detectIndent(text: string): string {
  const m = /\n([ \t]+)"/.exec(text);
  return m?.[1] ?? '  ';
}

function lineIndent(s: string, pos: number): string {
  const lineStart = s.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(s.slice(lineStart))![0];
}

function eol(s: string): string {
  return s.includes('\r\n') ? '\r\n' : '\n';
}

/** Sets `obj[key] = value` inside the object span, as the file is laid out. */
function setIn(s: string, obj: ObjectSpan, key: string, valueJson: (indent: string) => string): string {
  const existing = obj.members.find((m) => m.key === key);
  if (existing) return s.slice(0, existing.valueStart) + valueJson(lineIndent(s, existing.start)) + s.slice(existing.end);
  const unit = detectIndent(s);
  const nl = eol(s);
  const last = obj.members[obj.members.length - 1];
  if (!last) {
    // `{}` or `{\n}`: the members go one level in from the brace's line.
    const base = lineIndent(s, obj.open);
    const inner = base + unit;
    return `${s.slice(0, obj.open + 1)}${nl}${inner}${JSON.stringify(key)}: ${valueJson(inner)}${nl}${base}${s.slice(obj.close)}`;
  }
  const inline = !s.slice(obj.open, last.start).includes('\n');
  const indent = lineIndent(s, last.start);
  const sep = inline ? ', ' : `,${nl}${indent}`;
  return `${s.slice(0, last.end)}${sep}${JSON.stringify(key)}: ${valueJson(indent)}${s.slice(last.end)}`;
}

/** Removes `obj[key]` with its separator, leaving the rest as it was. */
function removeIn(s: string, obj: ObjectSpan, key: string): string {
  const i = obj.members.findIndex((m) => m.key === key);
  if (i < 0) return s;
  const m = obj.members[i]!;
  if (obj.members.length === 1) return s.slice(0, obj.open + 1) + s.slice(obj.close);
  if (i === 0) return s.slice(0, m.start) + s.slice(obj.members[1]!.start);
  return s.slice(0, obj.members[i - 1]!.end) + s.slice(m.end);
}

function root(s: string): ObjectSpan {
  const open = skipWs(s, s.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (s[open] !== '{') throw new Error('not a JSON object');
  return objectAt(s, open);
}

/** Sets `<section>.<key>` (a string), creating the section at the end of the object if missing. */
export function setNested(text: string, section: string, key: string, value: string): string {
  const top = root(text);
  const sec = top.members.find((m) => m.key === section);
  if (sec && text[sec.valueStart] === '{') return setIn(text, objectAt(text, sec.valueStart), key, () => JSON.stringify(value));
  const unit = detectIndent(text);
  const nl = eol(text);
  return setIn(text, top, section, (indent) => `{${nl}${indent}${unit}${JSON.stringify(key)}: ${JSON.stringify(value)}${nl}${indent}}`);
}

/** Removes `<section>.<key>`, and the section too when that leaves it empty and `dropEmpty`. */
export function removeNested(text: string, section: string, key: string, dropEmpty: boolean): string {
  const top = root(text);
  const sec = top.members.find((m) => m.key === section);
  if (!sec || text[sec.valueStart] !== '{') return text;
  const obj = objectAt(text, sec.valueStart);
  if (!obj.members.some((m) => m.key === key)) return text;
  if (dropEmpty && obj.members.length === 1) return removeIn(text, top, section);
  return removeIn(text, obj, key);
}
