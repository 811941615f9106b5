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
