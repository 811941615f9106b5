import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Takes the lines of an append-only queue file written by hooks that do not open the database.
 * The file is renamed first (atomic: a concurrent taker gets nothing, and later appends start a
 * new file), then read. Files left by a taker that crashed before finishing are taken again after
 * a minute; everything applied from a queue is idempotent, so taking twice is harmless.
 */
export function takeQueue(file: string, now: Date): { lines: string[]; done: () => void } {
  const dir = dirname(file);
  const base = basename(file);
  const taken: string[] = [];
  if (existsSync(file)) {
    const mine = `${file}.${process.pid}.${now.getTime()}`;
    try {
      renameSync(file, mine);
      taken.push(mine);
    } catch {
      // another process took it first
    }
  }
  try {
    for (const n of readdirSync(dir)) {
      if (!n.startsWith(`${base}.`)) continue;
      const p = join(dir, n);
      if (taken.includes(p)) continue;
      try {
        if (now.getTime() - statSync(p).mtimeMs > 60_000) taken.push(p);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // no folder: nothing queued
  }
  const lines: string[] = [];
  for (const p of taken) {
    try {
      lines.push(...readFileSync(p, 'utf8').split('\n').filter(Boolean));
    } catch {
      // taken by someone else meanwhile
    }
  }
  return { lines, done: () => taken.forEach((p) => rmSync(p, { force: true })) };
}
