#!/usr/bin/env node
// The entry that agent and git hook configurations call directly (never through npx): it loads
// only what the event needs. Usage: hook.js <agent> <Event>  |  hook.js git <hook> [args...]
import { runAgentHook } from './hooks/runner.js';

const [target = '', event = '', ...rest] = process.argv.slice(2);

function exit(code: number): void {
  // stdin may still be open (an agent that never closes it): exit explicitly once output is flushed.
  process.stdout.write('', () => process.exit(code));
}

if (target === 'git') {
  const { runGitHook } = await import('./guard/git-hook.js');
  exit(await runGitHook(event, rest, { env: process.env, cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, now: () => new Date() }));
} else {
  exit(
    await runAgentHook(target, event, {
      argv: rest,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      cwd: process.cwd(),
      now: () => new Date(),
      ppid: process.ppid,
      onDeadline: (message) => {
        process.stderr.write(`${message}\n`);
        process.exit(0);
      },
    }),
  );
}
