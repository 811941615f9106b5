/**
 * Text that came from task files or agents is untrusted: no control characters reach a terminal
 * or a model. Kept apart from ui.ts so hooks that build context do not load the colour library.
 */
export function clean(s: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

/** One line of untrusted text: newlines could forge headings in injected context. */
export function oneLine(s: string, max = 200): string {
  return clean(s.replace(/\s+/g, ' ').trim(), max);
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
