import type { OptionsOf } from './specs.js';
import type { Ctx } from '../ctx.js';

/** `sortie hook <agent> <event>`: the same runner as dist/hook.cjs, for agents configured through the CLI. */
export async function hook(o: OptionsOf<'hook'>, ctx: Ctx): Promise<number> {
  const { agent, event, args: rest } = o;
  if (agent === 'git') {
    const { runGitHook } = await import('../guard/git-hook.js');
    return runGitHook(event, rest, { ...ctx, ppid: process.ppid });
  }
  const { runAgentHook } = await import('../hooks/runner.js');
  return runAgentHook(agent, event, {
    argv: rest,
    stdin: process.stdin,
    stdout: ctx.stdout,
    stderr: ctx.stderr,
    env: ctx.env,
    cwd: ctx.cwd,
    now: ctx.now,
    ppid: process.ppid,
    pid: process.pid,
    onDeadline: (m) => {
      ctx.stderr.write(`${m}\n`);
      process.exit(0);
    },
  });
}
