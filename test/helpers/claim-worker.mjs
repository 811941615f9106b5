// One of N processes acting "at the same instant": loads everything, waits on a wall-clock
// barrier, then runs one sortie command through main() and prints what happened as JSON.
// usage: node claim-worker.mjs <startAtEpochMs> <cwd> <sortie args...>
import { main } from '../../dist/cli.js';
// Preload the command modules so the barrier releases processes that are ready to write.
await import('../../dist/commands/task.js');
await import('../../dist/commands/ready.js');

const [startAt, cwd, ...args] = process.argv.slice(2);
const out = [];
const err = [];
const sink = (buf) => ({ isTTY: false, write: (s) => (buf.push(String(s)), true) });
const ctx = { cwd, env: process.env, now: () => new Date(), stdout: sink(out), stderr: sink(err) };

const at = Number(startAt);
const early = at - Date.now();
const lateArrival = early < 0;
if (early > 30) await new Promise((r) => setTimeout(r, early - 30));
while (Date.now() < at) {
  // spin: release as close to the same instant as the scheduler allows
}
let code;
try {
  code = await main(args, ctx);
} catch (e) {
  code = -1;
  err.push(`uncaught: ${e && e.stack ? e.stack : e}`);
}
process.stdout.write(JSON.stringify({ code, stdout: out.join(''), stderr: err.join(''), lateArrival }));
