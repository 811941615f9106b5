import { readFileSync } from 'node:fs';
import { record } from '../activity.js';
import { SortieError } from '../errors.js';
import type { MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { writeFileAtomic } from '../files.js';
import { yamlString } from './file.js';
import { assertTaskId } from './ids.js';
import { TaskParseError, parseTask, type Task } from './parse.js';
import { parsePriority } from './status.js';
import { indexTaskFile } from './sync.js';
import { requireHere, taskRow, withTaskLocked, type TaskWorld } from './tasks.js';
import { recordIntent } from './intent.js';

/**
 * Editing a task file without opening it. Only the keys being changed are rewritten; every other
 * byte (comments, key order, unknown keys, line endings, the body) stays as it was, so the diff
 * shows the edit and nothing else.
 */

export interface TaskEdit {
  title?: string | undefined;
  priority?: string | undefined;
  role?: string | undefined;
  addLabels?: string[] | undefined;
  removeLabels?: string[] | undefined;
  addDeps?: string[] | undefined;
  removeDeps?: string[] | undefined;
  body?: string | undefined;
}

export interface EditResult {
  task: Task;
  changed: string[];
}

interface Entry {
  /** Index of the `key:` line, and one past its last continuation line. */
  from: number;
  to: number;
}

interface FrontMatter {
  lines: string[];
  /** Index of the closing `---` line. */
  close: number;
}

function splitFrontMatter(text: string): FrontMatter | undefined {
  const lines = text.split('\n');
  if (!/^---[^\n]*\r?$/.test(lines[0] ?? '')) return undefined;
  const close = lines.findIndex((l, i) => i > 0 && /^(---|\.\.\.)\r?$/.test(l));
  return close > 0 ? { lines, close } : undefined;
}

/** The lines of a top-level key: its own, then the indented or `- ` lines that continue its value. */
function findEntry(fm: FrontMatter, key: string): Entry | undefined {
  const re = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*:(\\s|$)`);
  for (let i = 1; i < fm.close; i++) {
    if (!re.test(fm.lines[i]!)) continue;
    let j = i + 1;
    while (j < fm.close && /^([ \t]|-(\s|$))/.test(fm.lines[j]!)) j++;
    return { from: i, to: j };
  }
  return undefined;
}

/** Splits the value part of a one-line entry into the value and a trailing ` # comment`. */
export function trailingComment(rest: string): string {
  let i = 0;
  while (i < rest.length && /\s/.test(rest[i]!)) i++;
  const open = rest[i];
  if (open === '"' || open === "'") {
    for (i++; i < rest.length; i++) {
      if (open === '"' && rest[i] === '\\') i++;
      else if (rest[i] === open) {
        if (open === "'" && rest[i + 1] === "'") i++;
        else break;
      }
    }
  } else if (open === '[' || open === '{') {
    let depth = 0;
    let quote: string | undefined;
    for (; i < rest.length; i++) {
      const ch = rest[i]!;
      if (quote) {
        if (ch === '\\' && quote === '"') i++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '[' || ch === '{') depth++;
      else if ((ch === ']' || ch === '}') && --depth === 0) break;
    }
  }
  const m = /\s+#.*$/.exec(rest.slice(i));
  return m ? m[0] : '';
}

type Value = { scalar: string } | { list: string[] };

/** Sets (or adds) one top-level key of the front matter, leaving every other line untouched. */
export function setEntry(text: string, key: string, value: Value): string {
  const fm = splitFrontMatter(text);
  if (!fm) throw new SortieError('TASK_PARSE', 'the file has no front matter to edit');
  const { lines } = fm;
  const cr = (lines[0] ?? '').endsWith('\r') ? '\r' : '';
  const at = findEntry(fm, key);
  let replacement: string[];
  if ('scalar' in value) replacement = [`${key}: ${value.scalar}`];
  else {
    // Keep the list in the style the file used: block (`- a` lines) or flow (`[a, b]`).
    const firstItem = at && at.to > at.from + 1 ? /^(\s*)-(\s|$)/.exec(lines[at.from + 1]!) : null;
    replacement =
      firstItem && value.list.length
        ? [`${key}:`, ...value.list.map((v) => `${firstItem[1]}- ${v}`)]
        : [`${key}: [${value.list.join(', ')}]`];
  }
  if (at) {
    const own = lines[at.from]!.replace(/\r$/, '');
    const comment = trailingComment(own.slice(own.indexOf(':') + 1));
    replacement[0] += comment;
    const eol = lines[at.from]!.endsWith('\r') ? '\r' : '';
    lines.splice(at.from, at.to - at.from, ...replacement.map((l) => l + eol));
  } else {
    lines.splice(fm.close, 0, ...replacement.map((l) => l + cr));
  }
  return lines.join('\n');
}

/** Replaces the body (everything after the closing `---`), keeping the front matter as it is. */
export function setBody(text: string, body: string): string {
  const fm = splitFrontMatter(text);
  if (!fm) throw new SortieError('TASK_PARSE', 'the file has no front matter to edit');
  const cr = (fm.lines[0] ?? '').endsWith('\r') ? '\r' : '';
  const head = fm.lines.slice(0, fm.close + 1).join('\n');
  const trimmed = body.trim();
  return `${head}\n${cr}\n${trimmed ? `${trimmed.replace(/\r?\n/g, `${cr}\n`)}${cr}\n` : ''}`;
}

const controls = (s: string) => s.replace(/[\x00-\x1f\x7f]/g, ' ').trim();

/**
 * The dependency path from `from` back to `to`, if `from` already depends (directly or not) on
 * `to`: then making `to` depend on `from` would close a cycle.
 */
export function dependencyPath(db: Database, from: string, to: string): string[] | undefined {
  const deps = new Map<string, string[]>();
  for (const r of db.prepare("SELECT id, depends_on FROM tasks WHERE depends_on != '[]'").all() as { id: string; depends_on: string }[]) {
    deps.set(r.id, JSON.parse(r.depends_on) as string[]);
  }
  const prev = new Map<string, string>([[from, '']]);
  const queue = [from];
  while (queue.length) {
    const cur = queue.shift()!;
    if (cur === to) {
      const path = [cur];
      for (let p = prev.get(cur); p; p = prev.get(p)) path.unshift(p);
      return path;
    }
    for (const d of deps.get(cur) ?? []) {
      if (!prev.has(d)) {
        prev.set(d, cur);
        queue.push(d);
      }
    }
  }
  return undefined;
}

/**
 * Applies an edit to a task file under the database's write lock (the same lock claims and status
 * changes take, so an edit and a claim cannot overwrite each other's change to the file), checks
 * that the result still parses to what was asked, writes it atomically and re-indexes it.
 */
export function editTask(w: TaskWorld, actor: MissionRow | undefined, id: string, e: TaskEdit, now: Date): EditResult {
  const cfg = w.config;
  const title = e.title === undefined ? undefined : controls(e.title);
  if (title !== undefined && !title) throw new SortieError('USAGE', 'a task needs a title', { hint: `sortie task edit ${id} --title "Fix the login redirect"` });
  const priority = e.priority === undefined ? undefined : parsePriority(e.priority);
  if (e.priority !== undefined && (!priority || !e.priority.trim())) throw new SortieError('USAGE', `unknown priority "${e.priority}"`, { hint: 'use critical, high, medium or low' });
  if (e.role !== undefined && !/^[A-Za-z][A-Za-z0-9_-]*$/.test(e.role)) throw new SortieError('USAGE', `a role is letters and digits, got "${controls(e.role)}"`);
  const cleanLabels = (ls: string[] | undefined) =>
    (ls ?? []).map((l) => {
      const c = controls(l);
      if (!c) throw new SortieError('USAGE', 'an empty label');
      return c;
    });
  const addLabels = cleanLabels(e.addLabels);
  const removeLabels = cleanLabels(e.removeLabels);
  const addDeps = (e.addDeps ?? []).map((d) => assertTaskId(d, cfg));
  const removeDeps = (e.removeDeps ?? []).map((d) => assertTaskId(d, cfg));
  assertTaskId(id, cfg);
  for (const d of addDeps) {
    if (!taskRow(w.db, d)) throw new SortieError('TASK_NOT_FOUND', `no task ${d} (named in --depends-on)`, { hint: 'sortie task list --all', data: { task: d } });
  }

  return withTaskLocked(w, id, now, (l) => {
    const { task, now, at } = l;
    requireHere(w, l); // a task whose file is on another branch is edited there
    let text = readFileSync(task.path, 'utf8');
    const before = text;
    const changed: string[] = [];
    if (title !== undefined && title !== task.title) (text = setEntry(text, 'title', { scalar: yamlString(title) })), changed.push('title');
    if (priority && priority !== task.priority) (text = setEntry(text, 'priority', { scalar: priority })), changed.push('priority');
    if (e.role !== undefined && e.role !== task.role) (text = setEntry(text, 'role', { scalar: yamlString(e.role) })), changed.push('role');
    if (addLabels.length || removeLabels.length) {
      const labels = [...task.labels.filter((l) => !removeLabels.includes(l)), ...addLabels.filter((l) => !task.labels.includes(l))];
      const unique = [...new Set(labels)];
      if (unique.join('\0') !== task.labels.join('\0')) (text = setEntry(text, 'labels', { list: unique.map(yamlString) })), changed.push('labels');
    }
    if (addDeps.length || removeDeps.length) {
      for (const d of addDeps) {
        if (task.dependsOn.includes(d)) continue;
        const path = d === id ? [id] : dependencyPath(w.db, d, id);
        if (path) {
          throw new SortieError('USAGE', `${id} cannot depend on ${d}: ${[id, ...path].join(' -> ')} would be a dependency cycle`, {
            hint: `sortie task show ${d}`,
            data: { task: id, dependency: d, cycle: [id, ...path] },
          });
        }
      }
      const deps = [...new Set([...task.dependsOn.filter((d) => !removeDeps.includes(d)), ...addDeps])];
      if (deps.join('\0') !== task.dependsOn.join('\0')) (text = setEntry(text, 'depends_on', { list: deps })), changed.push('depends_on');
    }
    if (e.body !== undefined && e.body.trim() !== task.body.trim()) (text = setBody(text, e.body)), changed.push('body');
    if (text === before) return { task, changed: [] };

    let next: Task;
    try {
      next = parseTask(text, task.path, cfg);
    } catch (err) {
      if (!(err instanceof TaskParseError)) throw err;
      throw new SortieError('TASK_PARSE', `the edit would leave ${task.path} unreadable (${err.message}); nothing was written`, { cause: err });
    }
    if (next.id !== id || (title !== undefined && next.title !== title)) {
      throw new SortieError('TASK_PARSE', `the edit would not read back as written in ${task.path}; nothing was written`, { hint: 'edit the file by hand' });
    }
    // A crash before the commit is undone by the next process (tasks/intent.ts).
    recordIntent(w.db, { task: id, path: task.path, before, after: text });
    writeFileAtomic(task.path, text);
    indexTaskFile(w.db, next, now);
    record(w.db, { kind: 'task.edited', at, missionId: actor?.id, agent: actor?.agent, taskId: id, detail: { fields: changed } });
    return { task: next, changed };
  });
}
