import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { req } from './lazy.js';

/**
 * The modes of everything sortie creates, set explicitly: under a permissive umask (000) nothing
 * it writes may become writable by others. The umask can only take bits away from these.
 */
export const FILE_MODE = 0o644;
export const DIR_MODE = 0o755;
export const EXEC_MODE = 0o755;

/** Writes a file atomically (temp file in the same folder, then rename), so a reader never sees half of it. */
export function writeFileAtomic(path: string, text: string, opts: { fsync?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', FILE_MODE);
  try {
    writeSync(fd, text);
    if (opts.fsync !== false) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * A new file needs no temp file: created exclusively, nobody can see it half-written. If it
 * exists after all (created meanwhile), it is replaced atomically, without fsync.
 */
export function writeNewFile(path: string, text: string): void {
  try {
    writeFileSync(path, text, { flag: 'wx', mode: FILE_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    writeFileAtomic(path, text, { fsync: false });
  }
}

/** One file that init or uninstall created, changed or removed (or would, in a dry run), for its report. */
export interface FileChange {
  file: string;
  action: 'create' | 'update' | 'unchanged' | 'remove';
  detail: string;
}

/**
 * The id git gives this content as a blob (`git hash-object`): SHA-1 of `blob <size>\0<bytes>`.
 * Task files read from a worktree and from a branch's tree then share one key, so a content seen
 * before is recognised wherever it shows up again. node:crypto is loaded on first use.
 */
export function gitBlobId(content: Buffer): string {
  const h = (req('node:crypto') as typeof import('node:crypto')).createHash('sha1');
  h.update(`blob ${content.length}\0`);
  h.update(content);
  return h.digest('hex');
}
