import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import type { Env, Repo } from '../git.js';
import { childProcess } from '../lazy.js';
import { packageRoot } from '../package-root.js';
import type { Database } from '../store/open.js';
import { cacheFetchedAt } from './cache.js';
import { hasRemoteUrl } from './refs.js';

/**
 * The bounded, detached background refresh a hook starts (SessionStart, PreCompact): the cache
 * of the remote's claims fetched, offline changes published, lapsing leases renewed, released
 * claims released there, by a separate `sortie __remote-refresh` the hook does not wait for. The
 * hook pays a few file reads and one spawn, and only when the cache is older than MIN_AGE_MS; a
 * lock file lets one run at a time per clone (a lock older than LOCK_STALE_MS is a dead one's).
 */
const MIN_AGE_MS = 30_000;
const LOCK_STALE_MS = 60_000;

export const refreshLockFile = (dbFile: string) => join(dirname(dbFile), 'remote-refresh.lock');

export function startBackgroundRefresh(o: { db: Database; dbFile: string; repo: Repo; config: SortieConfig; env: Env; now: Date }): boolean {
  if (!o.config.remote.enabled || o.env.SORTIE_BACKGROUND === '0') return false;
  if (!hasRemoteUrl(o.repo, o.config.remote.name)) return false;
  const fetched = cacheFetchedAt(o.db);
  const owes = o.db.prepare('SELECT 1 FROM remote_outbox LIMIT 1').get() !== undefined;
  if (fetched && !owes && o.now.getTime() - Date.parse(fetched.at) < MIN_AGE_MS) return false;
  const lock = refreshLockFile(o.dbFile);
  if (!takeLock(lock, o.now)) return false;
  try {
    const child = childProcess().spawn(process.execPath, [join(packageRoot(), 'bin', 'sortie.js'), '__remote-refresh', lock], {
      cwd: o.repo.root,
      env: o.env as NodeJS.ProcessEnv,
      detached: true,
      stdio: 'ignore',
    });
    child.on('error', () => rmSync(lock, { force: true }));
    child.unref();
    return true;
  } catch {
    rmSync(lock, { force: true });
    return false;
  }
}

function takeLock(lock: string, now: Date): boolean {
  for (let i = 0; i < 2; i++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid} ${now.toISOString()}\n`);
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      try {
        if (now.getTime() - statSync(lock).mtimeMs < LOCK_STALE_MS) return false;
        rmSync(lock, { force: true }); // left by a refresh that died: taken over
      } catch {
        return false;
      }
    }
  }
  return false;
}
