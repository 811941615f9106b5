import { SortieError } from '../errors.js';
import type { Ctx } from '../ctx.js';
import { parseCommand } from './parse.js';
import { COMMANDS, type CommandName, type OptionsOf } from './specs.js';
import type { CommandSpec } from './types.js';

/**
 * Each command's function, loaded only when it runs (so `sortie --help` and hooks do not pay for
 * every command). The table itself, with the options and help, is commands/specs.ts.
 */
export const LOADERS: { [N in CommandName]: () => Promise<(o: OptionsOf<N>, ctx: Ctx) => Promise<number>> } = {
  status: async () => (await import('./status.js')).status,
  ready: async () => (await import('./ready.js')).ready,
  next: async () => (await import('./ready.js')).next,
  'task new': async () => (await import('./task.js')).create,
  'task edit': async () => (await import('./task-edit.js')).edit,
  'task list': async () => (await import('./task.js')).list,
  'task show': async () => (await import('./task.js')).show,
  'task claim': async () => (await import('./task.js')).claim,
  'task reopen': async () => (await import('./task.js')).reopen,
  'task renumber': async () => (await import('./task.js')).renumber,
  'task release': async () => (await import('./task.js')).change('release'),
  'task handoff': async () => (await import('./task.js')).change('handoff'),
  'task done': async () => (await import('./task.js')).change('done'),
  'task abort': async () => (await import('./task.js')).change('abort'),
  'task block': async () => (await import('./task.js')).change('block'),
  'task pause': async () => (await import('./task.js')).change('pause'),
  'task review': async () => (await import('./task.js')).change('review'),
  'mission list': async () => (await import('./mission.js')).list,
  'mission show': async () => (await import('./mission.js')).show,
  'mission end': async () => (await import('./mission.js')).end,
  'mission note': async () => (await import('./mission.js')).note,
  'mission reap': async () => (await import('./mission.js')).reap,
  log: async () => (await import('./log.js')).log,
  import: async () => (await import('./import.js')).importCommand,
  init: async () => (await import('./init.js')).init,
  uninstall: async () => (await import('./init.js')).uninstall,
  prepare: async () => (await import('./init.js')).prepare,
  doctor: async () => (await import('./doctor.js')).doctor,
  ui: async () => (await import('./ui.js')).ui,
  report: async () => (await import('./report.js')).report,
  completion: async () => (await import('./completion.js')).completion,
  __complete: async () => (await import('./completion.js')).complete,
  '__remote-refresh': async () => (await import('./remote-refresh.js')).remoteRefresh,
  hook: async () => (await import('./hook.js')).hook,
  demo: async () => (await import('./demo.js')).demo,
};

/**
 * Runs one command from its argv (`['init', '--agent', 'codex']`) in this process, with `ctx`: what
 * `doctor --fix` does with the fixes it prints. Help and errors are the caller's: a usage error is
 * thrown as one.
 */
export async function runCommand(argv: string[], ctx: Ctx): Promise<number> {
  const spec = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1] ?? ''}`) ?? COMMANDS.find((c) => c.name === argv[0]);
  if (!spec) throw new SortieError('USAGE', `unknown command "sortie ${argv.join(' ')}"`);
  const parsed = parseCommand(spec, argv.slice(spec.name.split(' ').length));
  if (!parsed.ok) throw new SortieError('USAGE', parsed.message, { hint: `sortie ${spec.name} --help` });
  return runParsed(spec, parsed.options, ctx);
}

/** Loads a command's function and runs it with its parsed options. */
export async function runParsed(spec: CommandSpec, options: unknown, ctx: Ctx): Promise<number> {
  const run = (await LOADERS[spec.name as CommandName]()) as (o: unknown, ctx: Ctx) => Promise<number>;
  return run(options, ctx);
}
