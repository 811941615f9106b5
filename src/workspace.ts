import { isAbsolute, join, resolve } from 'node:path';
import type { SortieConfig } from './config/types.js';
import { loadConfig } from './config/load.js';
import type { Ctx } from './ctx.js';
import { requireRepo, type Repo } from './git.js';
import { dbPath, openDb, type Database } from './store/open.js';

export interface Workspace {
  ctx: Ctx;
  repo: Repo;
  config: SortieConfig;
  configFile: string | undefined;
  db: Database;
  dbFile: string;
  tasksDir: string;
  close(): void;
}

export async function openWorkspace(ctx: Ctx, opts: { config?: SortieConfig } = {}): Promise<Workspace> {
  const repo = requireRepo(ctx.cwd);
  const loaded = opts.config ? { config: opts.config, file: undefined } : await loadConfig(repo.root);
  const dbFile = dbPath(repo, ctx.env, ctx.cwd);
  const db = openDb(dbFile);
  // What the database-free hooks queued (commits, ended sessions, heartbeats) is applied before
  // anything reads the database.
  const { catchUp } = await import('./missions/catch-up.js');
  catchUp(db, dbFile, repo, loaded.config, ctx.env, ctx.now());
  return {
    ctx,
    repo,
    config: loaded.config,
    configFile: loaded.file,
    db,
    dbFile,
    tasksDir: tasksDirOf(repo, loaded.config),
    close: () => {
      if (db.open) db.close();
    },
  };
}

export function tasksDirOf(repo: Repo, config: SortieConfig): string {
  return isAbsolute(config.tasks.dir) ? config.tasks.dir : resolve(repo.root, config.tasks.dir);
}

export function journalDirOf(repo: Repo, config: SortieConfig): string {
  return isAbsolute(config.missions.journalDir) ? config.missions.journalDir : join(repo.root, config.missions.journalDir);
}

export async function withWorkspace<T>(ctx: Ctx, fn: (ws: Workspace) => Promise<T> | T): Promise<T> {
  const ws = await openWorkspace(ctx);
  try {
    return await fn(ws);
  } finally {
    ws.close();
  }
}
