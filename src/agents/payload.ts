import type { StartSource } from './types.js';

/** Helpers the adapters share to read their payloads. A payload is untrusted: every field is checked. */

/** A non-empty string, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const SOURCES = new Set<string>(['startup', 'resume', 'clear', 'compact', 'fork']);

/** A start source sortie knows, or undefined. */
export function startSource(v: unknown): StartSource | undefined {
  const s = str(v);
  return s && SOURCES.has(s) ? (s as StartSource) : undefined;
}

/** An object field, or undefined. */
export function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
