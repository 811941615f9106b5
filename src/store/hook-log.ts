import { appendFileSync, mkdirSync, statSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Repo } from '../git.js';
import { DIR_MODE, FILE_MODE } from '../files.js';

/** Hook errors go to a file beside the database (the state folder), never into the agent's context. */
export function hookLogPath(repo: Repo | undefined, env: Record<string, string | undefined>): string | undefined {
  if (env.SORTIE_DB) return join(dirname(env.SORTIE_DB), 'sortie-hooks.log');
  return repo ? join(repo.commonDir, 'sortie', 'hooks.log') : undefined;
}

export function logHookError(file: string | undefined, entry: Record<string, unknown>): void {
  if (!file) return;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
    // Keep the log bounded: rotate once at 1 MiB.
    try {
      if (statSync(file).size > 1 << 20) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`, { mode: FILE_MODE });
  } catch {
    // Logging must never be the reason a hook fails.
  }
}
