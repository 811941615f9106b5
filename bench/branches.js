// In-process cost of reading the branches when none moved (what every command pays, and what a
// SessionStart would pay if it did it): `git for-each-ref`, compared, nothing read.
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../dist/config/load.js';
import { findRepo, listWorktrees } from '../dist/git.js';
import { openDb } from '../dist/store/open.js';
import { refreshBranches } from '../dist/tasks/branches.js';

const [repoDir, dbFile, runsText = '5'] = process.argv.slice(2);
const repo = findRepo(repoDir);
const { config } = await loadConfig(repo.root);
const db = openDb(dbFile);
const checkedOut = new Set(listWorktrees(repo.commonDir).flatMap((w) => (w.branch ? [w.branch] : [])));
const env = { ...process.env };
const times = [];
let last;
for (let i = 0; i < Number(runsText); i++) {
  const t = performance.now();
  last = refreshBranches(db, { repo, config, env, now: new Date(), checkedOut });
  times.push(performance.now() - t);
}
db.close();
times.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ unchangedMs: times[Math.floor(times.length / 2)], refs: last?.refs ?? 0, changed: last?.changed ?? 0 }));
