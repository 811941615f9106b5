// The light hook entry (dist/hook-light.cjs): heartbeat and SessionEnd, without the database
// driver or the rest of sortie. dist/hook.cjs tries it first and starts the full bundle only for
// the events it declines.
import { runLightHook } from './hooks/light.js';
import { fdWriter } from './hooks/stdin.js';

export async function light(argv: string[]): Promise<number | undefined> {
  const [target = '', event = ''] = argv;
  const stderr = fdWriter(2);
  return runLightHook(target, event, {
    argv: argv.slice(2),
    stdin: 0,
    stdout: fdWriter(1),
    stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    ppid: process.ppid,
    onDeadline: (message) => {
      stderr.write(`${message}\n`);
      process.exit(0);
    },
  });
}
