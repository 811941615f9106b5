import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIR_MODE, FILE_MODE, writeFileAtomic } from '../files.js';
import type { Database } from '../store/open.js';
import { stateDir } from '../store/paths.js';
import { testSeam } from '../seam.js';
import { record } from '../activity.js';
import { iso } from '../time.js';

/**
 * A status change writes two things that no transaction spans: the task file (the source of
 * truth for its status) and the database (claims, history, the index). The order is file first,
 * inside the database transaction, so a crash can only leave the file changed and the database
 * not; and that one case is repaired exactly, not guessed:
 *
 * 1. before the file is written, an intent is written beside the database
 *    (`<state>/intents/<task>`: the file's path, its text before and after, a nonce), and the same
 *    transaction stores the nonce in the database (meta `intent:<task>`);
 * 2. the file is written, then the rest of the transaction, then COMMIT;
 * 3. after the commit the intent is removed.
 *
 * An intent left behind (a kill -9 anywhere in between) is settled by the next sortie process
 * under the write lock (a live writer holds it until its commit, so what is found is never in
 * flight): if the database has its nonce, the change was committed and only the intent is removed;
 * if not, the change never happened, and the file is put back to its text before, when it still
 * holds the text after (a file someone edited since is left as it is, and said so). The task then
 * is exactly as before the interrupted command: its status, its claim, its history.
 */
export interface Intent {
  task: string;
  path: string;
  before: string;
  after: string;
  nonce: string;
}

function dir(db: Database): string {
  return join(stateDir(db.name), 'intents');
}

function fileOf(db: Database, task: string): string {
  return join(dir(db), encodeURIComponent(task));
}

/** Step 1, inside the caller's write transaction, just before the task file is written. */
export function recordIntent(db: Database, i: Omit<Intent, 'nonce'>): void {
  const nonce = randomBytes(8).toString('hex');
  mkdirSync(dir(db), { recursive: true, mode: DIR_MODE });
  writeFileSync(fileOf(db, i.task), JSON.stringify({ ...i, nonce }), { mode: FILE_MODE });
  db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(`intent:${i.task}`, nonce);
  testSeam('intent-recorded');
}

/** Step 3, after the commit. */
export function clearIntent(db: Database, task: string): void {
  rmSync(fileOf(db, task), { force: true });
}

export interface Settled {
  task: string;
  path: string;
  /** `committed`: only the intent was left; `rolled-back`: the file was put back; `edited`: the file changed since, left as it is. */
  outcome: 'committed' | 'rolled-back' | 'edited';
}

/** The tasks with an intent left behind (cheap: one directory read, usually of nothing). */
export function pendingIntents(db: Database): string[] {
  try {
    return readdirSync(dir(db)).map((n) => decodeURIComponent(n));
  } catch {
    return [];
  }
}

/**
 * Settles the intents left behind (all, or one task's). Must run under the write lock: inside
 * write(), before anything reads the task.
 */
export function settleIntents(db: Database, only?: string): Settled[] {
  const out: Settled[] = [];
  for (const task of only === undefined ? pendingIntents(db) : [only]) {
    let i: Intent;
    try {
      i = JSON.parse(readFileSync(fileOf(db, task), 'utf8')) as Intent;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      rmSync(fileOf(db, task), { force: true }); // a half-written intent: its file write never started
      continue;
    }
    const stored = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(`intent:${task}`);
    if (stored === i.nonce) out.push({ task, path: i.path, outcome: 'committed' });
    else {
      let now: string | undefined;
      try {
        now = readFileSync(i.path, 'utf8');
      } catch {
        now = undefined;
      }
      if (now === i.after) {
        writeFileAtomic(i.path, i.before);
        out.push({ task, path: i.path, outcome: 'rolled-back' });
      } else if (now !== i.before) out.push({ task, path: i.path, outcome: 'edited' });
      const last = out[out.length - 1];
      if (last?.task === task) record(db, { kind: 'task.repaired', at: iso(Date.now()), taskId: task, detail: { outcome: last.outcome, path: i.path } });
    }
    clearIntent(db, task);
  }
  return out;
}
