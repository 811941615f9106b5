import { parseArgs, type ParseArgsConfig } from 'node:util';
import { errorMessage } from '../errors.js';
import type { CommandSpec, Options } from './types.js';

export type Parsed<S extends CommandSpec> = { ok: true; options: Options<S> } | { ok: false; message: string };

const camel = (k: string) => k.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * The one place argv becomes a command's options object: node:util parseArgs with the command's
 * option table, strict, then the positionals named by its arguments. Booleans are false and
 * repeatable options [] when not given. A usage error is returned as a message, not thrown.
 */
export function parseCommand<S extends CommandSpec>(spec: S, argv: string[]): Parsed<S> {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    const cfg: ParseArgsConfig = { args: argv, options: spec.options as ParseArgsConfig['options'], allowPositionals: true, strict: true };
    ({ values, positionals } = parseArgs(cfg) as { values: typeof values; positionals: string[] });
  } catch (e) {
    return { ok: false, message: errorMessage(e).replace(/\. To specify a positional.*$/, '') };
  }
  const required = spec.args.filter((a) => a.usage.startsWith('<')).length;
  if (positionals.length < required) return { ok: false, message: `missing ${spec.args[positionals.length]!.usage}` };
  const rest = spec.args.some((a) => a.rest);
  if (positionals.length > spec.args.length && !rest) return { ok: false, message: `unexpected argument "${positionals[spec.args.length]}"` };
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(spec.options)) {
    const v = values[key];
    out[camel(key)] = o.type === 'boolean' ? v === true : o.multiple ? ((v as string[] | undefined) ?? []) : v;
  }
  spec.args.forEach((a, i) => {
    if (a.rest === 'join') out[a.name] = positionals.slice(i).join(' ');
    else if (a.rest === 'list') out[a.name] = positionals.slice(i);
    else out[a.name] = positionals[i];
  });
  return { ok: true, options: out as Options<S> };
}
