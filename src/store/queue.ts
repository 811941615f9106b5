import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIR_MODE, FILE_MODE } from '../files.js';
import { stateDir } from './paths.js';

/**
 * The queue that hooks without a database write to and the next sortie process applies: one file
 * per entry in `<state>/pending/`, named `<kind>-<unique>`, holding one line. A file is taken only
 * once it ends with a newline (complete) and deleted only after it was applied, so no entry can be
 * lost between a writer and a reader, whatever their timing; applying an entry twice is harmless
 * (every consumer is idempotent). A file that never became complete (a writer killed mid-write) is
 * dropped after a minute.
 */
export function queueDir(dbFile: string): string {
  return join(stateDir(dbFile), 'pending');
}

export function enqueue(dbFile: string, kind: string, unique: string, line: string): void {
  const dir = queueDir(dbFile);
  const file = join(dir, `${kind}-${unique}`);
  try {
    writeFileSync(file, `${line}\n`, { flag: 'wx', mode: FILE_MODE });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      writeFileSync(file, `${line}\n`, { flag: 'wx', mode: FILE_MODE });
    } else if (code === 'EEXIST') writeFileSync(`${file}-${process.hrtime.bigint()}`, `${line}\n`, { flag: 'wx', mode: FILE_MODE });
    else throw e;
  }
}

export interface Taken {
  entries: { file: string; line: string }[];
  /** Delete an entry once it has been applied. */
  done(file: string): void;
}

export function takeQueue(dbFile: string, kind: string, now: Date): Taken {
  const dir = queueDir(dbFile);
  const entries: Taken['entries'] = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(`${kind}-`)).sort();
  } catch {
    names = [];
  }
  for (const n of names) {
    const file = join(dir, n);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // applied and removed by another process meanwhile
    }
    if (text.endsWith('\n')) entries.push({ file, line: text.trimEnd() });
    else {
      try {
        if (now.getTime() - statSync(file).mtimeMs > 60_000) rmSync(file, { force: true });
      } catch {
        // gone meanwhile
      }
    }
  }
  return { entries, done: (file) => rmSync(file, { force: true }) };
}

/**
 * A commit for the next sortie process to record (missions/commits.ts), in the line format the
 * git runner's post-commit writes (hooks/sortie.sh): sha, SORTIE_MISSION, the session id, what
 * commit-msg learned, the branch, tab-separated.
 */
export function enqueueCommit(dbFile: string, c: { sha: string; mission: string; session: string; branch: string; marker?: string }): void {
  const clean = (s: string) => s.replace(/[\t\n]/g, ' ');
  enqueue(dbFile, 'commit', c.sha, [c.sha, c.mission, c.session, c.marker ?? '', c.branch].map(clean).join('\t'));
}
