import type matterType from 'gray-matter';
import { req } from '../lazy.js';
import { basename } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import { MAX_ID_DIGITS, MAX_ID_LENGTH, idRegex } from './ids.js';
import { isStatus, parsePriority, type Priority, type Status } from './status.js';

export interface Task {
  id: string;
  title: string;
  status: Status;
  priority: Priority;
  role: string | undefined;
  labels: string[];
  dependsOn: string[];
  created: string | undefined;
  path: string;
}

export interface TaskWithBody extends Task {
  body: string;
  data: Record<string, unknown>;
}

// gray-matter and js-yaml are loaded on first use: a hook whose task index is up to date never
// parses a file, so it should not pay for the parser either.
let matterFn: typeof matterType | undefined;
function matter(text: string, opts: unknown): matterType.GrayMatterFile<string> {
  matterFn ??= req('gray-matter') as typeof matterType;
  return matterFn(text, opts as Parameters<typeof matterType>[1]);
}

/**
 * A task file is untrusted data with a cost limit. The whole file is at most MAX_TASK_BYTES and
 * its front matter at most MAX_FRONT_MATTER_BYTES, and the front matter may not use YAML anchors
 * or aliases (`&a`, `*a`): task files never need them, and they are how a 15-line "billion laughs"
 * file took 16 s and 1.5 GB to reject. With no alias, parsing is linear in the (bounded) size.
 * YAML is read by js-yaml 4 (sortie's own dependency, the version cosmiconfig already brings), whose
 * parse listener sees every node: the first node after an anchor was defined stops the parse,
 * before any alias to it can be read.
 */
export const MAX_TASK_BYTES = 1 << 20;
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;

interface YamlState {
  anchorMap: Record<string, unknown>;
}
let yamlLoad: ((text: string, o: { listener: (event: string, state: YamlState) => void }) => unknown) | undefined;

function refuseAnchors(_event: string, state: YamlState): void {
  for (const _name in state.anchorMap) throw new Error('anchors and aliases (&name, *name) are not allowed in task files');
}

function parseYaml(text: string): unknown {
  if (text.length > MAX_FRONT_MATTER_BYTES) throw new Error(`the front matter is larger than ${MAX_FRONT_MATTER_BYTES / 1024} KiB`);
  yamlLoad ??= (req('js-yaml') as { load: NonNullable<typeof yamlLoad> }).load;
  return yamlLoad(text, { listener: refuseAnchors }) ?? {};
}

export class TaskParseError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly line: number | undefined,
  ) {
    super(`${path}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'TaskParseError';
  }
}

const refuse = (lang: string) => () => {
  throw new Error(`front matter in "${lang}" is not allowed: task files are data, never code`);
};

/**
 * gray-matter ships JavaScript/CoffeeScript engines that eval the front matter. They are replaced
 * with ones that refuse, so `---js` in a task file is an error and never runs.
 */
export const MATTER_OPTIONS = {
  language: 'yaml',
  engines: {
    yaml: {
      parse: parseYaml,
      stringify: () => {
        throw new Error('sortie writes task files itself, never through gray-matter');
      },
    },
    js: refuse('js'),
    javascript: refuse('javascript'),
    coffee: refuse('coffee'),
    coffeescript: refuse('coffeescript'),
    cson: refuse('cson'),
  },
};

export function parseTask(text: string, path: string, config: SortieConfig): TaskWithBody {
  if (text.length > MAX_TASK_BYTES) throw new TaskParseError(path, `the file is larger than ${MAX_TASK_BYTES >> 20} MiB`, undefined);
  const fm = /^---([^\n]*)\n/.exec(text);
  if (!fm) throw new TaskParseError(path, 'no front matter (the file must start with a --- line)', 1);
  const lang = (fm[1] ?? '').trim().toLowerCase();
  if (lang && lang !== 'yaml' && lang !== 'yml') {
    throw new TaskParseError(path, `front matter in "${lang}" is not allowed: task files are data, never code`, 1);
  }
  let parsed: matterType.GrayMatterFile<string>;
  try {
    parsed = matter(text, MATTER_OPTIONS);
  } catch (e) {
    const mark = (e as { mark?: { line?: number } }).mark;
    const reason = ((e as { reason?: string }).reason ?? (e as Error).message).split('\n')[0] ?? 'invalid front matter';
    // js-yaml counts lines from 0 in the front matter, which gray-matter starts at the end of the --- line.
    throw new TaskParseError(path, `invalid YAML front matter: ${reason}`, mark?.line !== undefined ? mark.line + 1 : undefined);
  }
  const data = (parsed.data ?? {}) as Record<string, unknown>;
  const file = basename(path);
  const id = data.id === undefined ? file.replace(/(\.md)$/, '').split(/[ _]/)[0] ?? '' : String(data.id);
  if (id.length > MAX_ID_LENGTH) throw new TaskParseError(path, `id is longer than ${MAX_ID_LENGTH} characters`, lineOf(text, 'id'));
  if (!idRegex(config).test(id)) throw new TaskParseError(path, `id "${id}" does not match the task id pattern ${config.tasks.idPattern}`, lineOf(text, 'id'));
  if (new RegExp(`\\d{${MAX_ID_DIGITS + 1}}`).test(id)) throw new TaskParseError(path, `the number in id "${id}" has more than ${MAX_ID_DIGITS} digits`, lineOf(text, 'id'));
  if (!(file === `${id}.md` || file.startsWith(`${id}-`) || file.startsWith(`${id}_`) || file.startsWith(`${id} `))) {
    throw new TaskParseError(path, `file name must start with the task id "${id}"`, lineOf(text, 'id'));
  }
  const title = data.title === undefined ? undefined : String(data.title).trim();
  if (!title) throw new TaskParseError(path, 'missing "title"', 1);
  const status = data.status === undefined ? 'TODO' : String(data.status).trim().toUpperCase();
  if (!isStatus(status)) throw new TaskParseError(path, `unknown status "${String(data.status)}"`, lineOf(text, 'status'));
  const priority = parsePriority(data.priority);
  if (!priority) throw new TaskParseError(path, `unknown priority "${String(data.priority)}" (use critical, high, medium or low)`, lineOf(text, 'priority'));
  return {
    id,
    title,
    status,
    priority,
    role: data.role === undefined || data.role === null ? undefined : String(data.role),
    labels: stringList(data.labels),
    dependsOn: stringList(data.depends_on),
    created: dateText(data.created),
    path,
    body: parsed.content,
    data,
  };
}

function stringList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return String(v)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function dateText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

function lineOf(text: string, key: string): number | undefined {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${key}:`));
  return i >= 0 ? i + 1 : undefined;
}

