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
  env: Env;
  now: Date;
}

/**
 * Opens what a hook needs for a directory. Returns undefined outside a git repository (an agent
 * started elsewhere is none of our business), and, when `create` is false, when no database exists
 * yet (a heartbeat must never be the thing that creates one).
 */
export async function openHookWorld(cwd: string, env: Env, now: Date, o: { create: boolean; busyMs: number }): Promise<HookWorld | undefined> {
  const repo = findRepo(cwd);
  if (!repo && !env.SORTIE_DB) return undefined;
  const file = dbPath(repo, env, cwd);
  if (!o.create && !existsSync(file)) return undefined;
  const { config } = await loadConfig(repo?.root ?? cwd);
  mark('config');
  const db = openDb(file, { busyTimeoutMs: o.busyMs });
  return { repo: repo ?? { root: cwd, gitDir: cwd, commonDir: cwd }, db, dbFile: file, config, tasksDir: tasksDirOf(repo ?? { root: cwd, gitDir: cwd, commonDir: cwd }, config), env, now };
}
