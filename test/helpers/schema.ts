/**
 * A small validator for the subset of JSON Schema that schema/sortie.schema.json uses: type (one
 * or a list), properties, required, additionalProperties (a boolean or a schema), items, enum,
 * pattern, oneOf and local $ref. Enough to hold every command's --json output to the contract
 * without a dependency; it throws on a keyword it does not know, so the schema cannot quietly
 * outgrow it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './repo.js';

type Schema = Record<string, unknown>;
export const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schema', 'sortie.schema.json'), 'utf8')) as Schema & { $defs: Record<string, Schema> };

const KNOWN = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'pattern', 'oneOf', '$ref', 'description']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(v: unknown, s: Schema, at: string, errors: string[]): void {
  for (const k of Object.keys(s)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not supported by test/helpers/schema.ts`);
  if (typeof s.$ref === 'string') {
    const name = decodeURIComponent(s.$ref.replace('#/$defs/', ''));
    const target = SCHEMA.$defs[name];
    if (!target) throw new Error(`unknown $ref ${s.$ref}`);
    check(v, target, at, errors);
    return;
  }
  if (Array.isArray(s.oneOf)) {
    const ok = (s.oneOf as Schema[]).filter((x) => {
      const e: string[] = [];
      check(v, x, at, e);
      return e.length === 0;
    }).length;
    if (ok !== 1) errors.push(`${at}: matches ${ok} of oneOf, not 1 (${JSON.stringify(v)?.slice(0, 80)})`);
    return;
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    const t = typeOf(v);
    if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
      errors.push(`${at}: ${t} where ${types.join(' or ')} is expected (${JSON.stringify(v)?.slice(0, 80)})`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !(s.enum as unknown[]).includes(v)) errors.push(`${at}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
  if (typeof s.pattern === 'string' && typeof v === 'string' && !new RegExp(s.pattern).test(v)) errors.push(`${at}: "${v}" does not match ${s.pattern}`);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) errors.push(`${at}: "${r}" is missing`);
    for (const [k, val] of Object.entries(o)) {
      if (props[k]) check(val, props[k], `${at}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${at}: "${k}" is not in the contract`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') check(val, s.additionalProperties as Schema, `${at}.${k}`, errors);
    }
  }
  if (Array.isArray(v) && s.items) v.forEach((x, i) => check(x, s.items as Schema, `${at}[${i}]`, errors));
}

/** The problems of a value against one definition ("task", "output: status", ...); empty when it conforms. */
export function validate(value: unknown, def: string): string[] {
  const s = SCHEMA.$defs[def];
  if (!s) throw new Error(`no definition "${def}" in schema/sortie.schema.json`);
  const errors: string[] = [];
  check(value, s, def, errors);
  return errors;
}
