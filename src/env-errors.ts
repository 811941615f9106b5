import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { SortieError } from './errors.js';

/**
 * Problems of the machine, not of sortie: a read-only database or folder, a full disk, a file where
 * a folder should be. Each becomes its own typed error (exit 4, "environment") with the fix, never
 * "internal error, please report it". Errors from Node's fs carry the path; errors from SQLite are
 * given the database's path by the caller.
 */
export function environmentError(e: unknown, dbFile?: string): SortieError | undefined {
  if (e instanceof SortieError) return undefined;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  const path = err?.path ?? dbFile;
  // SQLite says "disk I/O error" when the -shm or -wal cannot grow: the file system says whether it is full.
  const full = code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && noSpaceLeft(path));
  if (full) {
    const where = path ?? 'the disk';
    return new SortieError('DISK_FULL', `the disk holding ${where} is full${code === 'EDQUOT' ? ' (over quota)' : ''}; nothing was changed`, {
      hint: `free some space there (df -h ${path ? dirname(path) : '.'}), then run the command again`,
      data: { path },
      cause: e,
    });
  }
  if (code === 'EROFS' || code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_PERM') {
    const what = code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' ? `the sortie database ${path ?? ''} is read-only` : code === 'EROFS' ? `${path ?? 'a file'} is on a read-only file system` : `permission denied writing ${path ?? 'a file'}`;
    return new SortieError('READ_ONLY', `${what}; reading commands (sortie status, task list, task show, mission list, log) still work`, {
      hint: code === 'EROFS' ? 'remount it read-write, or point SORTIE_DB at a writable place' : `give your user write access to ${path ? dirname(path) : 'it'} and the files in it (ls -l ${path ?? ''}), or run sortie as their owner`,
      data: { path },
      cause: e,
    });
  }
  if (code === 'ENOTDIR' || (code === 'EEXIST' && err.syscall === 'mkdir')) {
    return new SortieError('NOT_A_FOLDER', `${path ?? 'a path sortie needs'} is a file where sortie needs a folder (or a folder inside it)`, {
      hint: `move the file aside (mv ${path ?? '<file>'} ${path ?? '<file>'}.bak), or point tasks.dir in .sortierc.json elsewhere`,
      data: { path },
      cause: e,
    });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new SortieError('DISK_IO', `the disk holding ${path ?? 'the sortie database'} reported an I/O error (${code})`, {
      hint: `check that disk (dmesg, df -h ${path ? dirname(path) : '.'}), then run the command again`,
      data: { path },
      cause: e,
    });
  }
  if (code === 'SQLITE_CANTOPEN' && dbFile) {
    return new SortieError('READ_ONLY', `cannot open the sortie database ${dbFile} for writing (its folder must be writable for the journal files)`, {
      hint: `give your user write access to ${dirname(dbFile)}, or point SORTIE_DB at a writable place`,
      data: { path: dbFile },
      cause: e,
    });
  }
  return undefined;
}

/** What can be neither waited out nor retried: the database or the disk cannot take a write. */
export function cannotWrite(e: unknown): boolean {
  const code = e instanceof SortieError ? e.code : environmentError(e)?.code;
  return code === 'READ_ONLY' || code === 'DISK_FULL';
}

function noSpaceLeft(path: string | undefined): boolean {
  if (!path) return false;
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false;
  }
}
