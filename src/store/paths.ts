import { dirname, join, resolve } from 'node:path';
import { SortieError } from '../errors.js';
import type { Env, Repo } from '../git.js';

// Paths only: this module must not load the database driver (the light hook entry uses it).

/** `SORTIE_DB` wins; else `<git common dir>/sortie/sortie.db`, shared by every worktree. */
export function dbPath(repo: Repo | undefined, env: Env, cwd: string): string {
  if (env.SORTIE_DB) return resolve(cwd, env.SORTIE_DB);
  if (!repo) {
    throw new SortieError('NOT_A_REPO', `not inside a git repository: ${cwd}`, {
      hint: 'cd into your project, or set SORTIE_DB to a database path',
    });
  }
  return join(repo.commonDir, 'sortie', 'sortie.db');
}

/** The folder beside the database: the pending queue, heartbeats, logs, the sortie shim. */
export function stateDir(dbFile: string): string {
  return dirname(dbFile);
}

/** One file per session, touched by each heartbeat; its mtime is the session's last sign of life. */
export function beatFile(dbFile: string, sessionId: string): string {
  return join(stateDir(dbFile), 'beats', sessionId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120));
}

/**
 * This machine's settings for the git hook runner (hooks/sortie.sh), written by `sortie init`: in
 * the common dir, where the committed hook block finds it from any worktree (not in `.husky/_`,
 * which husky may wipe).
 */
export function hookSettingsFile(repo: Repo): string {
  return join(repo.commonDir, 'sortie', 'hooks.env');
}

/** The folder of the `sortie` shim (see hooks/session-start.ts): put on an agent's PATH, or named by its absolute path. */
export function shimDir(dbFile: string): string {
  return join(stateDir(dbFile), 'bin');
}

/**
 * What the light hooks keep per session, beside the database (store/session-state.ts):
 * `mission` (the mission id, for command rewrites), `context` (context waiting to be re-injected
 * after compaction), `head` (HEAD before a guarded `git commit`, for recording it after).
 */
export type SessionStateKind = 'mission' | 'context' | 'head';

export function sessionStateFile(dbFile: string, sessionId: string, kind: SessionStateKind): string {
  return join(stateDir(dbFile), 'sessions', `${sessionId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120)}.${kind}`);
}
