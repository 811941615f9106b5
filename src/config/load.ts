import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { req } from '../lazy.js';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { nearest } from '../text.js';
import { SortieError } from '../errors.js';
import { DEFAULT_CONFIG, SCHEMA } from './defaults.js';
import { patternProblem } from './pattern.js';
import type { SortieConfig, SortieConfigInput } from './types.js';

const presetsDir = () => join(packageRoot(), 'presets');

export interface LoadedConfig {
  config: SortieConfig;
  /** The file it came from, or undefined when running on defaults. */
  file: string | undefined;
}

/** Files that sortie looks for, in order, the same list cosmiconfig is given. */
const SEARCH_PLACES = [
  'package.json',
  '.sortierc',
  '.sortierc.json',
  '.sortierc.yaml',
  '.sortierc.yml',
  '.sortierc.js',
  '.sortierc.mjs',
  '.sortierc.cjs',
  'sortie.config.js',
  'sortie.config.mjs',
  'sortie.config.cjs',
  'sortie.config.json',
];

/**
 * Loads the config for a repository. A plain `.sortierc.json` (what `sortie init` writes) is read
 * directly; anything else goes through cosmiconfig, imported only then, because hooks pay for
 * every module they load.
 */
export async function loadConfig(root: string): Promise<LoadedConfig> {
  const fast = join(root, '.sortierc.json');
  if (existsSync(fast)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(fast, 'utf8'));
    } catch (e) {
      throw new SortieError('CONFIG', `${fast}: not valid JSON (${(e as Error).message})`, {
        hint: `fix the file, or delete it and run \`sortie init\``,
      });
    }
    return { config: resolveConfig(raw, fast), file: fast };
  }
  // require, not import(): the hook bundle runs under vm.Script, where import() is unavailable.
  const { cosmiconfig } = req('cosmiconfig') as typeof import('cosmiconfig');
  const explorer = cosmiconfig('sortie', { searchPlaces: SEARCH_PLACES, stopDir: root });
  let result;
  try {
    result = await explorer.search(root);
  } catch (e) {
    throw new SortieError('CONFIG', `could not read the sortie config: ${(e as Error).message}`, { cause: e });
  }
  if (!result || result.isEmpty) return { config: structuredClone(DEFAULT_CONFIG), file: result?.filepath };
  return { config: resolveConfig(result.config, result.filepath), file: result.filepath };
}

/** Merges defaults ← presets (in `extends` order) ← the file, validating each layer. */
export function resolveConfig(raw: unknown, file: string, seen: string[] = []): SortieConfig {
  const out = merge(structuredClone(DEFAULT_CONFIG), layer(raw, file, seen));
  // Fail early on a pattern that is not a valid regular expression, or whose matching could blow
  // up on untrusted text (config/pattern.ts).
  try {
    new RegExp(out.tasks.idPattern);
  } catch (e) {
    throw new SortieError('CONFIG', `${file}: tasks.idPattern is not a valid regular expression: ${(e as Error).message}`);
  }
  const problem = patternProblem(out.tasks.idPattern);
  if (problem) {
    throw new SortieError('CONFIG', `${file}: tasks.idPattern ${JSON.stringify(out.tasks.idPattern)} is refused: ${problem}`, {
      hint: 'patterns run on every commit message in JavaScript and in awk; keep to classes, literals and simple repetitions, like [A-Z][A-Z0-9]+-[0-9]+',
      data: { key: 'tasks.idPattern', file },
    });
  }
  return out;
}

/** The presets shipped in presets/: `recommended` (the default) first, then the others by name. */
export function presetNames(): string[] {
  const names = readdirSync(presetsDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
  return names.includes('recommended') ? ['recommended', ...names.filter((n) => n !== 'recommended')] : names;
}

/**
 * One file's settings merged over its presets' settings, without the defaults: a later preset in
 * `extends` then overrides only the keys it sets, not everything an earlier preset set.
 */
function layer(raw: unknown, file: string, seen: string[]): Record<string, unknown> {
  const input = validate(raw, file);
  let base: Record<string, unknown> = {};
  const parents = input.extends === undefined ? [] : Array.isArray(input.extends) ? input.extends : [input.extends];
  for (const name of parents) base = merge(base, loadPreset(name, file, seen));
  const { extends: _ignored, $comment: _c, $schema: _s, ...own } = input as SortieConfigInput & { $comment?: unknown; $schema?: unknown };
  return merge(base, own);
}

function loadPreset(name: string, from: string, seen: string[]): Record<string, unknown> {
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(join(presetsDir(), `${name}.json`))) {
    throw new SortieError('CONFIG', `${from}: unknown preset "${name}" in "extends"`, {
      hint: `use one of: ${presetNames().join(', ')}`,
    });
  }
  if (seen.includes(name)) throw new SortieError('CONFIG', `${from}: presets extend each other in a loop: ${[...seen, name].join(' -> ')}`);
  const file = join(presetsDir(), `${name}.json`);
  return layer(JSON.parse(readFileSync(file, 'utf8')), file, [...seen, name]);
}

function merge<T>(base: T, over: unknown): T {
  if (!isObject(over)) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isObject(v) && isObject(out[k]) ? merge(out[k], v) : v;
  }
  return out as T;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks every key and value; the error names the key, the file and the nearest valid key. */
export function validate(raw: unknown, file: string): SortieConfigInput {
  if (!isObject(raw)) throw new SortieError('CONFIG', `${file}: the sortie config must be an object`);
  for (const [section, value] of Object.entries(raw)) {
    if (section === 'extends') {
      const ok = typeof value === 'string' || (Array.isArray(value) && value.every((x) => typeof x === 'string'));
      if (!ok) throw new SortieError('CONFIG', `${file}: "extends" must be a preset name or a list of them`);
      continue;
    }
    if (section === '$comment' || section === '$schema') continue;
    const shape = SCHEMA[section];
    if (!shape) throw unknownKey(section, ['extends', ...Object.keys(SCHEMA)], file);
    if (!isObject(value)) throw new SortieError('CONFIG', `${file}: "${section}" must be an object`);
    for (const [key, v] of Object.entries(value)) {
      const type = shape[key];
      if (type === undefined) throw unknownKey(`${section}.${key}`, Object.keys(shape).map((k) => `${section}.${k}`), file);
      const ok = Array.isArray(type) ? type.includes(v as string) : typeof v === type;
      if (!ok) {
        const want = Array.isArray(type) ? `one of ${type.map((t) => JSON.stringify(t)).join(', ')}` : `a ${type}`;
        throw new SortieError('CONFIG', `${file}: "${section}.${key}" must be ${want}, got ${JSON.stringify(v)}`);
      }
    }
  }
  return raw as SortieConfigInput;
}

function unknownKey(key: string, valid: string[], file: string): SortieError {
  const near = nearest(key, valid);
  return new SortieError('CONFIG', `${file}: unknown config key "${key}"${near ? ` (did you mean "${near}"?)` : ''}`, {
    hint: `valid keys here: ${valid.join(', ')}`,
    data: { key, file },
  });
}

