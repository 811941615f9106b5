import { statSync } from 'node:fs';

/** The agent's transcript file is written on every turn: its mtime is a sign of life. */
export function transcriptMtime(path: string): number | undefined {
  try {
    // No exception for a missing file: building one costs more than the stat, once per mission.
    return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
  } catch {
    return undefined;
  }
}
