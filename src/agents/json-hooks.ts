import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { SortieError } from '../errors.js';
import type { FileChange } from '../files.js';
import { agentMessages } from './messages.js';
import type { AgentSetup, EntryState, HookLine, RepoFiles } from './types.js';

/**
 * The hook configs of the agents that keep them in a JSON file, in the two shapes they use:
 * - `grouped` (Claude Code, Codex, Gemini CLI): `{"hooks": {"<Event>": [{"matcher"?, "hooks": [<entry>]}]}}`;
 * - `flat` (Copilot CLI): `{"version": 1, "hooks": {"<event>": [<entry>]}}`.
 * Installing adds one entry per event (in its own group) after removing sortie's old ones;
 * every other key, group and entry stays where it was. Uninstalling removes exactly sortie's
 * entries, and the groups and keys that held nothing else.
 */
export interface JsonHookSpec {
  /** The config file (absolute). */
  file: string;
  shape: 'grouped' | 'flat';
  /** The agent's label, for messages. */
  label: string;
  /** One entry per event: what the config gets (its command built from the HookLine). */
  entries: { event: string; matcher?: string; entry: Record<string, unknown> }[];
  /** Top-level keys a new file starts with (Copilot's `version`). */
  base?: Record<string, unknown>;
}

type Json = Record<string, unknown>;
type Group = { hooks?: Json[]; [k: string]: unknown };

/** The command of an entry: `command`, or Copilot's `bash`. */
export function commandOf(entry: unknown): unknown {
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Json;
  return e.command ?? e.bash;
}

/** Reads a JSON object; an empty or missing file is `{}`; anything else is a clear error that leaves the file as it is. */
export function readJsonObject(file: string): Json {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Json;
  } catch (e) {
    const m = agentMessages.notJson(file, (e as Error).message);
    throw new SortieError('INSTALL', m.message, { hint: m.hint });
  }
}

function same(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** Removes sortie's entries from one event's list; groups (grouped shape) that held only sortie's go too, a user's empty group stays. */
function withoutOurs(list: unknown, shape: JsonHookSpec['shape'], line: HookLine): { kept: unknown[]; removed: number } {
  const items = Array.isArray(list) ? list : [];
  let removed = 0;
  const kept: unknown[] = [];
  for (const item of items) {
    if (shape === 'flat') {
      if (line.isOurs(commandOf(item))) removed++;
      else kept.push(item);
      continue;
    }
    const g = (item ?? {}) as Group;
    const hooks = Array.isArray(g.hooks) ? g.hooks : [];
    const left = hooks.filter((h) => !line.isOurs(commandOf(h)));
    removed += hooks.length - left.length;
    if (left.length > 0 || hooks.length === 0) kept.push(left.length === hooks.length ? g : { ...g, hooks: left });
  }
  return { kept, removed };
}

export function installJsonHooks(spec: JsonHookSpec, line: HookLine, dryRun: boolean, files: RepoFiles): FileChange {
  const { file } = spec;
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const config = { ...(spec.base && before === undefined ? spec.base : {}), ...readJsonObject(file) };
  const hooks: Json = { ...((config.hooks as Json | undefined) ?? {}) };
  for (const { event, matcher, entry } of spec.entries) {
    const { kept } = withoutOurs(hooks[event], spec.shape, line);
    kept.push(spec.shape === 'flat' ? entry : { ...(matcher ? { matcher } : {}), hooks: [entry] });
    hooks[event] = kept;
  }
  // Existing events keep their order; new ones are appended.
  const next = `${JSON.stringify({ ...config, hooks }, null, 2)}\n`;
  if (before !== undefined && same(before, next)) return { file, action: 'unchanged', detail: agentMessages.alreadyInstalled(spec.label) };
  if (!dryRun) files.write(file, next);
  return { file, action: before === undefined ? 'create' : 'update', detail: agentMessages.installed(spec.label, spec.entries.map((e) => e.event)) };
}

/**
 * Removes exactly sortie's entries. A file that init created and that holds nothing else
 * afterwards (no key but those `spec.base` started it with) is deleted, with the folders it
 * leaves empty up to `root`.
 */
export function uninstallJsonHooks(spec: JsonHookSpec, line: HookLine, root: string, createdFiles: readonly string[], dryRun: boolean, files: RepoFiles): FileChange {
  const { file } = spec;
  if (!existsSync(file)) return { file, action: 'unchanged', detail: agentMessages.noConfig(spec.label) };
  const config = readJsonObject(file);
  const hooks = config.hooks && typeof config.hooks === 'object' ? (config.hooks as Json) : undefined;
  if (!hooks) return { file, action: 'unchanged', detail: agentMessages.noEntries(spec.label) };
  const left: Json = {};
  let removed = 0;
  for (const [event, list] of Object.entries(hooks)) {
    const r = withoutOurs(list, spec.shape, line);
    removed += r.removed;
    if (r.removed === 0) left[event] = list;
    else if (r.kept.length) left[event] = r.kept;
  }
  if (removed === 0) return { file, action: 'unchanged', detail: agentMessages.noEntries(spec.label) };
  // Rebuilt key by key so `hooks` keeps its place and the file reads back as it was before init.
  const out: Json = {};
  for (const [k, v] of Object.entries(config)) {
    if (k !== 'hooks') out[k] = v;
    else if (Object.keys(left).length) out.hooks = left;
  }
  const onlyBase = Object.keys(out).every((k) => spec.base && k in spec.base && JSON.stringify(out[k]) === JSON.stringify(spec.base[k]));
  if (createdFiles.includes(file) && onlyBase) {
    if (!dryRun) {
      files.remove(file);
      removeEmptyDirs(dirname(file), root);
    }
    return { file, action: 'remove', detail: agentMessages.removedFile(spec.label) };
  }
  if (!dryRun) files.write(file, `${JSON.stringify(out, null, 2)}\n`);
  return { file, action: 'update', detail: agentMessages.removed(removed) };
}

/** Sortie's entry of each event, if the file holds one. */
export function jsonHookEntries(spec: JsonHookSpec, line: HookLine): EntryState[] {
  let config: Json = {};
  try {
    config = readJsonObject(spec.file);
  } catch {
    config = {};
  }
  const hooks = (config.hooks && typeof config.hooks === 'object' ? config.hooks : {}) as Json;
  return spec.entries.map(({ event }) => {
    const list = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : [];
    const all = spec.shape === 'flat' ? list : list.flatMap((g) => ((g as Group)?.hooks ?? []) as unknown[]);
    const found = all.map(commandOf).find((c) => line.isOurs(c));
    return { event, installed: found !== undefined, command: typeof found === 'string' ? found : undefined };
  });
}

/** Removes `dir` and its parents while they are empty, never `root` or above it. */
export function removeEmptyDirs(dir: string, root: string): void {
  for (let d = resolve(dir); d !== resolve(root) && !relative(root, d).startsWith('..'); d = dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * What an agent's setup does with a JSON hook file, the same for every agent that keeps its hooks
 * in one: the file it names, install, uninstall (exact), and the entries doctor checks.
 */
export function jsonHookSetup(path: (root: string) => string, spec: (root: string, line: HookLine) => JsonHookSpec): Pick<AgentSetup, 'configFiles' | 'install' | 'uninstall' | 'entries'> {
  return {
    configFiles: (root) => [path(root)],
    install: (s) => [installJsonHooks(spec(s.root, s.line), s.line, s.dryRun, s.files)],
    uninstall: (s, created) => [uninstallJsonHooks(spec(s.root, s.line), s.line, s.root, created, s.dryRun, s.files)],
    entries: (root, line) => jsonHookEntries(spec(root, line), line),
  };
}
