// The database driver's share of a hook's start-up, for the node:sqlite question (issue 11):
// whole-process medians, interleaved, of
//   floor   node -e 0
//   bsq     load better-sqlite3, open a WAL database, one indexed read (what a hook pays)
//   sqlite  the same with node:sqlite (Node 22.5+; absent on Node 20)
// Usage: node bench/driver.js [--runs 21] [--bsq <path of a better-sqlite3 built for this Node>]
// Run it with each Node to compare (the better-sqlite3 of node_modules is built for one ABI only).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, bsq: { type: 'string' } } });
const runs = Number(values.runs);
const require = createRequire(import.meta.url);
const bsq = values.bsq ?? require.resolve('better-sqlite3');
const dir = mkdtempSync(join(tmpdir(), 'sortie-driver-'));
const file = join(dir, 'x.db');

const setup = `const D = require(${JSON.stringify(bsq)}); const db = new D(${JSON.stringify(file)}); db.pragma('journal_mode = WAL');
db.exec("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID; INSERT INTO meta VALUES ('clone_id', 'x')"); db.close();`;
const made = spawnSync(process.execPath, ['-e', setup], { encoding: 'utf8' });
if (made.status !== 0) throw new Error(`could not make the database with ${bsq}:\n${made.stderr}`);

const scripts = {
  floor: '0',
  bsq: `const D = require(${JSON.stringify(bsq)}); const db = new D(${JSON.stringify(file)}); db.pragma('busy_timeout = 5000'); db.prepare("SELECT value FROM meta WHERE key = ?").get('clone_id');`,
  sqlite: `const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(${JSON.stringify(file)}); db.exec('PRAGMA busy_timeout = 5000'); db.prepare("SELECT value FROM meta WHERE key = ?").get('clone_id');`,
};
const has = (name) => spawnSync(process.execPath, ['--no-warnings', '-e', scripts[name]]).status === 0;
const names = Object.keys(scripts).filter(has);

const time = (name) => {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--no-warnings', '-e', scripts[name]]);
  if (r.status !== 0) throw new Error(`${name} failed`);
  return Number(process.hrtime.bigint() - t) / 1e6;
};
for (const n of names) time(n); // warm-up
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (let i = 0; i < runs; i++) for (const n of names) samples[n].push(time(n));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(samples.floor);
console.log(`node ${process.version}, ${runs} runs each, interleaved`);
for (const n of names) {
  const m = median(samples[n]);
  console.log(`${n.padEnd(7)} ${m.toFixed(1).padStart(6)} ms  ${n === 'floor' ? '' : `+${(m - floor).toFixed(1)} ms over node -e 0 (${(m / floor).toFixed(2)}x)`}`);
}
const warn = spawnSync(process.execPath, ['-e', scripts.sqlite], { encoding: 'utf8' });
if (names.includes('sqlite')) console.log(`node:sqlite without --no-warnings prints: ${JSON.stringify(warn.stderr.trim().split('\n')[0] ?? '')}`);
else console.log('node:sqlite: not in this Node');
rmSync(dir, { recursive: true, force: true });
