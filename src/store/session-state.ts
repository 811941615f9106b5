import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sessionStateFile, type SessionStateKind } from './paths.js';
import { DIR_MODE, FILE_MODE } from '../files.js';

/**
 * Small per-session files the light hooks read instead of opening the database (paths.ts,
 * sessionStateFile). Each is written whole by one writer (a start, a pre-compaction, a guarded
 * commit) and read by the hooks of the same session; a missing file means "nothing".
 */
export function writeSessionState(dbFile: string, sessionId: string, kind: SessionStateKind, text: string): void {
  const file = sessionStateFile(dbFile, sessionId, kind);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: FILE_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
    writeFileSync(tmp, text, { mode: FILE_MODE });
  }
  // Renamed into place: a reader never sees half of it.
  renameSync(tmp, file);
}

export function readSessionState(dbFile: string, sessionId: string, kind: SessionStateKind): string | undefined {
  try {
    return readFileSync(sessionStateFile(dbFile, sessionId, kind), 'utf8');
  } catch {
    return undefined;
  }
}

export function clearSessionState(dbFile: string, sessionId: string, kinds: readonly SessionStateKind[] = ['mission', 'context', 'head']): void {
  for (const k of kinds) rmSync(sessionStateFile(dbFile, sessionId, k), { force: true });
}
