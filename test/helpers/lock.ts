/**
 * A real second process holding a sortie database locked, the way a stuck writer would: the
 * `sqlite3` CLI when it is installed, else a better-sqlite3 script running the same statements.
 * `immediate` holds the write lock of an open `BEGIN IMMEDIATE` (WAL readers still read);
 * `exclusive` is a connection in `PRAGMA locking_mode=EXCLUSIVE` after a write, which keeps every
 * other connection out, readers included. The lock is held until release().
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createRequire } from 'node:module';
import { ROOT } from './repo.js';

export type LockMode = 'immediate' | 'exclusive';

export interface Holder {
  pid: number;
  /** What holds it: `sqlite3` or `node`. */
  via: string;
  /** Still running, still holding. */
  holding(): boolean;
  release(): Promise<void>;
}

const SQL: Record<LockMode, string> = {
  immediate: "BEGIN IMMEDIATE;\nINSERT OR REPLACE INTO meta (key, value) VALUES ('lock-test', 'held');\nSELECT 'held';\n",
  exclusive: "PRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\nINSERT OR REPLACE INTO meta (key, value) VALUES ('lock-test', 'held');\nCOMMIT;\nSELECT 'held';\n",
};

const NODE_HOLDER = `
const Database = require(process.argv[2]);
const db = new Database(process.argv[3]);
const sql = process.argv[4];
for (const s of sql.split(';\\n').filter((x) => x.trim())) {
  if (/^SELECT/.test(s)) process.stdout.write('held\\n');
  else db.exec(s);
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

export const hasSqliteCli = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;

export function holdLock(dbFile: string, mode: LockMode, o: { node?: boolean } = {}): Promise<Holder> {
  let p: ChildProcessWithoutNullStreams;
  let via: string;
  if (hasSqliteCli && !o.node) {
    p = spawn('sqlite3', ['-batch', dbFile], { stdio: 'pipe' });
    p.stdin.write(SQL[mode]);
    via = 'sqlite3';
  } else {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3', { paths: [ROOT] });
    p = spawn(process.execPath, ['-e', NODE_HOLDER, driver, dbFile, SQL[mode]], { stdio: 'pipe' });
    via = 'node';
  }
  let exited = false;
  const done = new Promise<void>((res) => p.on('exit', () => ((exited = true), res())));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.stdout.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('held')) {
        resolve({
          pid: p.pid!,
          via,
          holding: () => !exited,
          release: async () => {
            p.stdin.end();
            await done;
          },
        });
      }
    });
    p.on('exit', (code) => {
      if (!out.includes('held')) reject(new Error(`the lock holder exited (${code}) before holding the lock: ${err}`));
    });
  });
}
