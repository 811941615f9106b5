// In-process timings of the task index: first index, full re-sync and quick re-sync with nothing changed.
import { rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../dist/config/load.js';
import { openDb } from '../dist/store/open.js';
import { syncTasks } from '../dist/tasks/sync.js';

const [tasksDir, dbFile, runsText = '5'] = process.argv.slice(2);
const runs = Number(runsText);
const config = resolveConfig({ extends: 'recommended' }, 'bench');
rmSync(dbFile, { force: true });
rmSync(`${dbFile}-wal`, { force: true });
rmSync(`${dbFile}-shm`, { force: true });
const db = openDb(dbFile);
const now = new Date();
let t = performance.now();
const first = syncTasks(db, tasksDir, config, now);
const firstMs = performance.now() - t;
const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
const full = [];
const quick = [];
for (let i = 0; i < runs; i++) {
  t = performance.now();
  const r = syncTasks(db, tasksDir, config, now);
  full.push(performance.now() - t);
  if (r.read !== 0) throw new Error(`full re-sync read ${r.read} files with nothing changed`);
  t = performance.now();
  const q = syncTasks(db, tasksDir, config, now, { quick: true });
  quick.push(performance.now() - t);
  if (!q.skipped) throw new Error('quick re-sync did not skip');
}
db.close();
process.stdout.write(JSON.stringify({ indexed: first.read, problems: first.problems.length, firstMs, fullMs: median(full), quickMs: median(quick) }));
