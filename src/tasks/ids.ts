import { SortieError } from '../errors.js';
import type { SortieConfig } from '../config/types.js';

const cache = new Map<string, RegExp>();

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
  const bad = id.length === 0 || id.length > 64 || /[\\/\0]|\.\./.test(id) || id.startsWith('.') || id.startsWith('-');
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

/** The task ids named in free text (a commit message, a branch name), each once. */
export function findIds(text: string, config: SortieConfig): string[] {
  return [...new Set(text.match(referenceRegex(config)) ?? [])];
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
      return m?.[1] ? Number(m[1]) : undefined;
    },
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
