import { SortieError } from '../errors.js';
import type { SortieConfig } from '../config/types.js';

const cache = new Map<string, RegExp>();

/** The longest task id sortie accepts; a match longer than this is not an id. */
export const MAX_ID_LENGTH = 64;
/** The largest number in an id (digits): beyond it a number is not exact in JavaScript. */
export const MAX_ID_DIGITS = 15;

/** Anchored regex for one whole id. */
export function idRegex(config: SortieConfig): RegExp {
  const key = `^${config.tasks.idPattern}$`;
  let re = cache.get(key);
  if (!re) cache.set(key, (re = new RegExp(`^(?:${config.tasks.idPattern})$`)));
  return re;
}

/**
 * Validates an id before it touches a path or a query. The pattern check alone would do for sane
 * patterns; the explicit path checks protect against a permissive custom pattern.
 */
export function assertTaskId(id: string, config: SortieConfig): string {
  const bad = id.length === 0 || id.length > MAX_ID_LENGTH || /[\\/\0\n\r]|\.\./.test(id) || id.startsWith('.') || id.startsWith('-') || new RegExp(`\\d{${MAX_ID_DIGITS + 1}}`).test(id);
  if (bad || !idRegex(config).test(id)) {
    throw new SortieError('TASK_INVALID_ID', `"${printable(id)}" is not a task id (expected ${config.tasks.idPattern})`, {
      hint: 'task ids look like the ones in `sortie task list`',
      data: { id, pattern: config.tasks.idPattern },
    });
  }
  return id;
}

function printable(s: string): string {
  return s.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 80);
}

/**
 * The regex that finds ids inside free text (commit messages, branch names): case-sensitive, and
 * bounded so `xAUTH-1` or `AUTH-12a` do not count.
 */
export function referenceRegex(config: SortieConfig): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_])(?:${config.tasks.idPattern})(?![A-Za-z0-9_])`, 'g');
}

/** Lines longer than this are searched in windows (see findIds). */
const WINDOW = 256;

/**
 * The task ids named in free text (a commit message, a branch name), each once. The text is
 * untrusted and the pattern is the user's, so the work is bounded whatever they are: ids never
 * span lines, and a long line is searched in windows of WINDOW characters, each with one character
 * of context before (for the left boundary) and MAX_ID_LENGTH + 1 after (an id that starts in the
 * window ends inside that), so one search never sees more than a few hundred characters. The
 * result is the same as one search of the whole line for every id of at most MAX_ID_LENGTH
 * characters; longer matches are not ids anyway.
 */
export function findIds(text: string, config: SortieConfig): string[] {
  const re = referenceRegex(config);
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.length <= WINDOW + MAX_ID_LENGTH + 1) {
      for (const m of line.matchAll(re)) if (m[0].length <= MAX_ID_LENGTH) out.add(m[0]);
      continue;
    }
    for (let start = 0; start < line.length; start += WINDOW) {
      const from = Math.max(0, start - 1);
      const end = Math.min(line.length, start + WINDOW + MAX_ID_LENGTH + 1);
      const chunk = line.slice(from, end);
      re.lastIndex = start - from;
      for (let m = re.exec(chunk); m; m = re.exec(chunk)) {
        if (from + m.index >= start + WINDOW) break; // the next window's
        if (m[0].length === 0) re.lastIndex++;
        else if (m[0].length <= MAX_ID_LENGTH && (end === line.length || m.index + m[0].length < chunk.length)) out.add(m[0]);
      }
    }
  }
  re.lastIndex = 0;
  return [...out];
}

/** The leading letters of an id (`AUTH` of `AUTH-12`, `OPR` of `OPR-H-0032`): used to tell real ids from `UTF-8`. */
export function idPrefix(id: string): string {
  const m = /^[A-Za-z][A-Za-z0-9]*/.exec(id);
  return m ? m[0] : id;
}

export interface IdTemplate {
  /** The id for number n (`{role}` and `{P}` only matter to templates that use them). */
  fill(n: number, role: string, priorityLetter: string): string;
  /** The number in an id (or a file name starting with one) that this template made with this prefix. */
  numberOf(idOrFileName: string): number | undefined;
}

/**
 * `tasks.idTemplate` for one prefix. The number is shared by every id the template could produce
 * with that prefix, whatever its role or priority letter.
 */
export function idTemplate(config: SortieConfig, prefix: string): IdTemplate {
  const template = config.tasks.idTemplate;
  const numberRe = new RegExp(
    `^${escapeRe(template)
      .replace(escapeRe('{prefix}'), escapeRe(prefix))
      .replace(escapeRe('{role}'), '[A-Za-z0-9]+')
      .replace(escapeRe('{P}'), '[A-Z]')
      .replace(/\\\{n(?::\d+)?\\\}/, '(\\d+)')}`,
  );
  return {
    fill: (n, role, letter) =>
      template
        .replace('{prefix}', prefix)
        .replace('{role}', role.toUpperCase())
        .replace('{P}', letter)
        .replace(/\{n(?::(\d+))?\}/, (_m, w: string | undefined) => String(n).padStart(w ? Number(w) : 0, '0')),
    numberOf: (id) => {
      const m = numberRe.exec(id);
      // A number too long to be exact (a 200-digit id) is not one sortie allocates after.
      return m?.[1] && m[1].length <= MAX_ID_DIGITS ? Number(m[1]) : undefined;
    },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
