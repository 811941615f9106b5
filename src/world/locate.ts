import { existsSync } from 'node:fs';
import { findRepo, type Env, type Repo } from '../git.js';
import { dbPath } from '../store/paths.js';

/**
 * Where sortie's state is for a directory, and whether sortie may open or create it there. This
 * is the opt-in policy, stated once:
 *
 * - The state is a database at `SORTIE_DB`, else `<git common dir>/sortie/sortie.db`, shared by
 *   every worktree of a clone. Outside a git repository there is none, unless SORTIE_DB names one.
 * - A repository has opted in when its database exists, or it has a sortie config file, or
 *   SORTIE_DB is set.
 * - Commands create the database (running sortie in a repository is opting in).
 * - SessionStart creates it only in a repository that opted in: with the plugin enabled for every
 *   project, a repository that never ran `sortie init` must get nothing written into it.
 * - Every other hook (heartbeat, SessionEnd, PreCompact, the git hooks) and doctor only open a
 *   database that exists: a hook is never what creates sortie's state.
 *
 * Paths only, so the light hook entry (heartbeat, SessionEnd) can use it without loading the
 * database driver; world/open.ts opens what this finds.
 */
export interface Location {
  /** Undefined only outside a repository with SORTIE_DB set. */
  repo: Repo | undefined;
  dbFile: string;
  exists: boolean;
}

export type Create = 'never' | 'if-opted-in' | 'always';

export function locate(cwd: string, env: Env): Location | undefined {
  const repo = findRepo(cwd);
  if (!repo && !env.SORTIE_DB) return undefined;
  const dbFile = dbPath(repo, env, cwd);
  return { repo, dbFile, exists: existsSync(dbFile) };
}

/** A repository has opted in when its database exists, or it has a sortie config file, or SORTIE_DB is set. */
export function optedIn(at: Location, env: Env, configFile: string | undefined): boolean {
  return at.exists || configFile !== undefined || Boolean(env.SORTIE_DB);
}
