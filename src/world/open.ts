import { isAbsolute, join, resolve } from 'node:path';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { SortieConfig } from '../config/types.js';
import type { Ctx } from '../ctx.js';
import { currentBranch, listWorktrees, requireRepo, type Repo } from '../git.js';
import { catchUp } from '../missions/catch-up.js';
import { canWriteDb, closeUnlessExiting, openDb, type Database } from '../store/open.js';
import { cannotWrite, environmentError } from '../env-errors.js';
import { deadlineOf, isBusy, within } from '../store/write.js';
import type { Deadline } from '../deadline.js';
import { errorMessage } from '../errors.js';
import { refreshBranches } from '../tasks/branches.js';
import { syncOtherWorktrees, syncTasks, type SyncResult } from '../tasks/sync.js';
import type { TaskWorld } from '../tasks/tasks.js';
import { mark } from '../trace.js';
import { CACHE_MAX_AGE_MS, reconcile, REFRESH_BACKOFF_MS, REFRESH_TIMEOUT_MS, refreshCache, sharingOf, type Refreshed } from '../remote/share.js';
import { locate, optedIn, type Create } from './locate.js';
import { worldMessages } from './messages.js';

/** Everything a command or a hook works on, opened by openWorld. */
export interface World extends TaskWorld {
  repo: Repo;
  config: SortieConfig;
  /** The config file, or undefined when running on defaults. */
  configFile: string | undefined;
  db: Database;
  dbFile: string;
  tasksDir: string;
  journalDir: string;
  /** What the opening sync found (undefined when it did not sync). */
  synced: SyncResult | undefined;
  /**
   * Why the task index and the queue were not brought up to date, when a refresh that was allowed
   * to skip (Refresh.skipWhenBusy) met a locked or read-only database: what is read may be behind.
   */
  stale: string | undefined;
  /** Opened read-only (OpenOptions.access `read` on a database this process cannot write). */
  readOnly: boolean;
  /** What refreshing the cache of the git remote's claims gave (Refresh.shared; undefined: not asked, or sharing off). */
  shared: Refreshed | undefined;
  /** Closes the connection (a hook process leaves it to its exit: see closeUnlessExiting). */
  close(): void;
}

/**
 * How the shared view is brought in line with the task files. `quick` (hooks): this worktree's
 * folder and every other worktree's folder the database knows, one stat each (re-read when
 * changed); no git. `full` (commands, post-checkout, doctor): this worktree's files each stat'ed,
 * the worktrees listed (new ones added, removed ones dropped), and the branches not checked out
 * refreshed through git (tasks/branches.ts; incremental).
 */
export type Sync = 'none' | 'quick' | 'full';

export interface Refresh {
  sync?: Sync;
  /** With `full`: also refresh the branches through git (default true). */
  branches?: boolean;
  /** Apply what the database-free hooks queued (commits, ended sessions, heartbeats). */
  catchUp?: boolean;
  /**
   * A locked database makes the refresh give up after this many milliseconds instead of failing:
   * the task index and the queue are left for the next process, and World.stale says why. For
   * hooks under a deadline, whose own write matters more than catching up on others'.
   */
  skipWhenBusy?: number;
  /**
   * Commands: refresh the cache of the claims shared through the git remote when it is older than
   * a few seconds (remote/share.ts). Never for hooks: they read the cache and never wait on the network.
   */
  shared?: boolean;
}

export interface OpenOptions extends Refresh {
  /** Whether the database may be created here (the opt-in policy: world/locate.ts). */
  create: Create;
  /** The longest one wait on the database lock may take (SQLite's busy_timeout; default 5000). */
  busyMs?: number;
  /** When a hook must be done: every wait on the database ends by then (store/write.ts). */
  deadline?: Deadline | undefined;
  /** Apply pending migrations (default true; doctor inspects the schema as it is). */
  migrate?: boolean;
  /** A config already loaded (init writes one; doctor and the guard load it first to report on it). */
  config?: LoadedConfig;
  /**
   * `read`: the caller only reads (status, task list, log...). A database this process cannot
   * write is then opened read-only, the refresh is skipped and World.stale says so; a locked one
   * is waited for at most READ_WAIT_MS before reading what is there. Default `write`.
   */
  access?: 'read' | 'write';
}

/** How long a reading command waits on a locked database to catch up before it reads what is there. */
const READ_WAIT_MS = 2000;

export type WorldCtx = Pick<Ctx, 'cwd' | 'env' | 'now'>;

/**
 * The one way to open sortie's state: find the repository and the database, load the config,
 * open (and migrate) the database, then sync the task index and catch up, as asked. Returns
 * undefined when there is nothing to open here and `create` forbids creating it; with
 * `create: 'always'` (commands) outside a repository it throws NOT_A_REPO instead.
 */
export async function openWorld(ctx: WorldCtx, o: OpenOptions): Promise<World | undefined> {
  const at = locate(ctx.cwd, ctx.env);
  if (o.create === 'always' && !at?.repo) requireRepo(ctx.cwd);
  if (!at || (o.create === 'never' && !at.exists)) return undefined;
  const loaded = o.config ?? (await loadConfig(at.repo?.root ?? ctx.cwd));
  mark('config');
  if (o.create === 'if-opted-in' && !optedIn(at, ctx.env, loaded.file)) return undefined;
  const readOnly = o.access === 'read' && at.exists && !canWriteDb(at.dbFile);
  const db = openDb(at.dbFile, { busyTimeoutMs: o.busyMs, migrate: o.migrate, deadline: o.deadline, readonly: readOnly });
  const repo = at.repo ?? { root: ctx.cwd, gitDir: ctx.cwd, commonDir: ctx.cwd };
  const { config } = loaded;
  const w: World = {
    repo,
    config,
    configFile: loaded.file,
    db,
    dbFile: at.dbFile,
    tasksDir: isAbsolute(config.tasks.dir) ? config.tasks.dir : resolve(repo.root, config.tasks.dir),
    journalDir: isAbsolute(config.missions.journalDir) ? config.missions.journalDir : join(repo.root, config.missions.journalDir),
    synced: undefined,
    stale: readOnly ? worldMessages.readOnly(at.dbFile) : undefined,
    readOnly,
    shared: undefined,
    close: () => closeUnlessExiting(db),
  };
  mark('opened');
  try {
    if (!readOnly) w.synced = refresh(w, o.access === 'read' ? { skipWhenBusy: READ_WAIT_MS, ...o } : o, ctx);
    if (o.shared && !readOnly) refreshShared(w, ctx);
  } catch (e) {
    w.close();
    throw e;
  }
  return w;
}

/**
 * Brings an open world up to date: the task index first (so what catch-up records is judged
 * against the task files as they are), then what the database-free hooks queued. openWorld does
 * this when asked; the guard does it only once it knows a commit names a task.
 */
export function refresh(w: World, o: Refresh, ctx: Pick<Ctx, 'env' | 'now'>): SyncResult | undefined {
  const now = ctx.now();
  const run = (): SyncResult | undefined => {
    let synced: SyncResult | undefined;
    if (o.sync && o.sync !== 'none') {
      const full = o.sync === 'full';
      const worktrees = full ? listWorktrees(w.repo.commonDir) : undefined;
      synced = syncTasks(w.db, w.tasksDir, w.config, now, { quick: !full, label: currentBranch(w.repo) ?? null, root: w.repo.root });
      const all = worktrees?.map((t) => ({ tasksDir: isAbsolute(w.config.tasks.dir) ? w.config.tasks.dir : resolve(t.root, w.config.tasks.dir), root: t.root, branch: t.branch }));
      syncOtherWorktrees(w.db, w.config, now, w.tasksDir, all);
      // No worktree listed: not a repository (SORTIE_DB outside one) or a bare one; no branches to read.
      if (full && o.branches !== false && worktrees?.length) {
        const checkedOut = new Set(worktrees.flatMap((t) => (t.branch ? [t.branch] : [])));
        const here = currentBranch(w.repo);
        if (here) checkedOut.add(here);
        refreshBranches(w.db, { repo: w.repo, config: w.config, env: ctx.env, now, checkedOut });
        mark('branches');
      }
    }
    if (o.catchUp) catchUp(w.db, w.dbFile, w.repo, w.config, ctx.env, now);
    return synced;
  };
  let synced: SyncResult | undefined;
  if (o.skipWhenBusy === undefined) synced = run();
  else {
    try {
      synced = within(w.db, deadlineOf(w.db).within({ maxMs: o.skipWhenBusy }), run);
    } catch (e) {
      if (!isBusy(e) && !cannotWrite(e)) throw e;
      w.stale = worldMessages.notRefreshed(errorMessage(environmentError(e, w.dbFile) ?? e));
    }
  }
  if (synced || o.catchUp) mark('synced');
  return synced;
}

/** The cache of the remote's claims, refreshed when it is older than CACHE_MAX_AGE_MS; a failure is reported, not thrown. */
function refreshShared(w: World, ctx: Pick<Ctx, 'env' | 'now'>): void {
  const s = sharingOf(w, ctx.env);
  if (!s) return;
  try {
    w.shared = refreshCache(w, { ...s, timeoutMs: REFRESH_TIMEOUT_MS }, ctx.now(), { maxAgeMs: CACHE_MAX_AGE_MS, backoffMs: REFRESH_BACKOFF_MS });
    // Releases of ended or reaped missions' claims, lease renewals: pushes only when one is owed.
    if (w.shared.ok) reconcile(w, s, ctx.now());
  } catch (e) {
    if (!isBusy(e) && !cannotWrite(e)) throw e;
    w.shared = { ok: false, kind: 'busy', detail: errorMessage(environmentError(e, w.dbFile) ?? e) };
  }
  mark('shared');
}

/** Opens the world for a command (creating the database if needed), runs fn, and closes it. */
export async function withWorld<T>(ctx: WorldCtx, o: Omit<OpenOptions, 'create'>, fn: (w: World) => Promise<T> | T): Promise<T> {
  const w = (await openWorld(ctx, { ...o, create: 'always' }))!;
  try {
    return await fn(w);
  } finally {
    w.close();
  }
}
