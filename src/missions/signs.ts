import { statSync } from 'node:fs';

/** The agent's transcript file is written on every turn: its mtime is a sign of life. */
export function transcriptMtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
