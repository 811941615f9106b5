import type { ContextExtras, StartSource } from './types.js';

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

/**
 * The answer an in-process plugin (OpenCode's, pi's) reads from a start or pre-compaction hook:
 * JSON {context, mission, bin, checkpoint?} (plugin-file.ts, `answer`).
 */
export function pluginAnswer(context: string, extras: ContextExtras): string {
  return JSON.stringify({ context, mission: extras.mission, bin: extras.bin, ...(extras.checkpoint ? { checkpoint: extras.checkpoint } : {}) });
}
