import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { forTerminal } from '../text.js';

export interface LockHolder {
  pid: number;
  /** Its command line, cut for a message. */
  command: string;
  /** `lock`: it holds a write lock on the database (from /proc/locks); `open`: it only has the file open. */
  how: 'lock' | 'open';
}

/**
 * Who holds the database locked, best effort and Linux only (elsewhere, or when /proc tells
 * nothing, the list is empty and messages say "another process"). SQLite takes POSIX locks: a
 * writer in WAL mode holds a write lock on a byte of the `-shm` file, a connection in exclusive
 * locking mode a write lock on the database file itself. /proc/locks names the process of each
 * lock by inode; when it names none (locks of another pid namespace), the processes that have the
 * file open are listed instead (from /proc/<pid>/fd). Only called once a lock has already cost a
 * wait, so its cost (a few ms) is never on a path that did not block.
 */
export function lockHolders(dbFile: string, self = process.pid): LockHolder[] {
  const inodes = new Map<string, string>();
  for (const f of [dbFile, `${dbFile}-shm`, `${dbFile}-wal`]) {
    try {
      inodes.set(String(statSync(f).ino), f);
    } catch {
      // not there
    }
  }
  if (inodes.size === 0) return [];
  const byLock = new Set<number>();
  try {
    for (const line of readFileSync('/proc/locks', 'utf8').split('\n')) {
      // 1: POSIX  ADVISORY  WRITE 12345 08:02:1234567 1073741824 1073741825
      const f = line.trim().split(/\s+/);
      if (f.length < 6 || f[3] !== 'WRITE') continue;
      const pid = Number(f[4]);
      const inode = f[5]!.split(':')[2];
      if (pid > 0 && pid !== self && inode && inodes.has(inode)) byLock.add(pid);
    }
  } catch {
    // no /proc/locks
  }
  if (byLock.size) return [...byLock].sort((a, b) => a - b).map((pid) => ({ pid, command: commandOf(pid), how: 'lock' as const }));
  return openers(new Set(inodes.values()), self);
}

/** Processes that have one of these files open. */
function openers(files: Set<string>, self: number): LockHolder[] {
  const out: LockHolder[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const p of pids) {
    const pid = Number(p);
    if (pid === self) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${p}/fd/${fd}`);
      } catch {
        continue;
      }
      if (files.has(target)) {
        out.push({ pid, command: commandOf(pid), how: 'open' });
        break;
      }
    }
    if (out.length >= 5) break;
  }
  return out;
}

function commandOf(pid: number): string {
  try {
    return forTerminal(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' '), 120);
  } catch {
    return '';
  }
}

/** `pid 123 (sqlite3 .git/sortie/sortie.db)`, for messages; empty when nobody was found. */
export function describeHolders(holders: LockHolder[]): string {
  if (holders.length === 0) return '';
  const list = holders.slice(0, 3).map((h) => `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`);
  const verb = holders[0]!.how === 'lock' ? 'held by' : 'open in';
  return `${verb} ${list.join(', ')}${holders.length > 3 ? ` and ${holders.length - 3} more` : ''}`;
}
