// Claims and releases one task as fast as it can, forever, so a test can SIGKILL it mid-claim.
// Prints "go" once loaded and "." after every completed claim+release cycle.
// usage: SORTIE_MISSION=<id> node churn-worker.mjs <cwd> <taskId>
import { main } from '../../dist/cli.js';
await import('../../dist/commands/task.js');

const [cwd, id] = process.argv.slice(2);
const quiet = { isTTY: false, write: () => true };
const ctx = { cwd, env: process.env, now: () => new Date(), stdout: quiet, stderr: quiet };
process.stdout.write('go\n');
for (;;) {
  await main(['task', 'claim', id], ctx);
  await main(['task', 'release', id], ctx);
  process.stdout.write('.');
}
