import { existsSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import type { SortieConfig } from '../config/types.js';
import { findRepo, type Env, type Repo } from '../git.js';
import { dbPath, openDb, type Database } from '../store/open.js';
import { tasksDirOf } from '../workspace.js';
import { mark } from '../trace.js';

export interface HookWorld {
  repo: Repo;
  db: Database;
  dbFile: string;
  config: SortieConfig;
  tasksDir: string;
}

/**
 * Opens what a hook needs for a directory. Returns undefined outside a git repository (an agent
 * started elsewhere is none of our business), and when the repository has not opted in: no
 * database and (for `create`) no sortie config either. With the plugin enabled for every project,
 * a repository that never ran `sortie init` must get nothing written into it.
 */
export async function openHookWorld(cwd: string, env: Env, o: { create: boolean; busyMs: number }): Promise<HookWorld | undefined> {
  const repo = findRepo(cwd);
  if (!repo && !env.SORTIE_DB) return undefined;
  const file = dbPath(repo, env, cwd);
  const exists = existsSync(file);
  if (!o.create && !exists) return undefined;
  const loaded = await loadConfig(repo?.root ?? cwd);
  if (!exists && !loaded.file && !env.SORTIE_DB) return undefined;
  const { config } = loaded;
  mark('config');
  const db = openDb(file, { busyTimeoutMs: o.busyMs });
  const where = repo ?? { root: cwd, gitDir: cwd, commonDir: cwd };
  return { repo: where, db, dbFile: file, config, tasksDir: tasksDirOf(where, config) };
}
