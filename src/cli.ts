import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT, errorMessage, isSortieError } from './errors.js';
import { colors, printJson } from './ui.js';
import { nearest } from './text.js';
import { processCtx, type Ctx } from './workspace.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; description: string; value?: string };

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

export interface CommandSpec {
  /** Words after `sortie`, e.g. `task claim`. */
  name: string;
  args: string;
  summary: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** Loaded only when this command runs, so `sortie --help` and hooks do not pay for every command. */
  load: () => Promise<(p: Parsed, ctx: Ctx) => Promise<number>>;
}

const json: OptionSpec = { type: 'boolean', description: 'print machine-readable JSON' };
const force: OptionSpec = { type: 'boolean', description: 'override the holder or transition check (a person repairing a record; recorded as forced)' };
const note: OptionSpec = { type: 'string', description: 'notes left for whoever picks the task up next', value: 'text' };

const taskVerb = (verb: 'done' | 'abort' | 'block' | 'pause' | 'review' | 'release' | 'handoff', summary: string): CommandSpec => ({
  name: `task ${verb}`,
  args: '<ID>',
  summary,
  options: { note: verb === 'handoff' ? { ...note, description: 'the handoff notes (required)' } : note, force, json },
  load: async () => (await import('./commands/task.js')).change(verb),
});

export const COMMANDS: CommandSpec[] = [
  {
    name: 'status',
    args: '',
    summary: 'dashboard: live missions and what they hold, tasks waiting for pickup, ready tasks',
    options: { json },
    load: async () => (await import('./commands/status.js')).status,
  },
  {
    name: 'task new',
    args: '<title>',
    summary: 'create a task file with the next free id',
    options: {
      priority: { type: 'string', short: 'p', description: 'critical, high, medium (default) or low', value: 'level' },
      role: { type: 'string', description: 'role (used by the site-nine id format)', value: 'role' },
      prefix: { type: 'string', description: 'id prefix (default from config)', value: 'KEY' },
      label: { type: 'string', multiple: true, description: 'a label (repeatable)', value: 'label' },
      'depends-on': { type: 'string', multiple: true, description: 'a task this one depends on (repeatable)', value: 'ID' },
      body: { type: 'string', description: 'markdown body', value: 'text' },
      status: { type: 'string', description: 'TODO (default), BLOCKED or PAUSED', value: 'status' },
      json,
    },
    examples: ['sortie task new "Fix login redirect" -p high --label auth'],
    load: async () => (await import('./commands/task.js')).create,
  },
  {
    name: 'task list',
    args: '',
    summary: 'list tasks (open ones unless --all)',
    options: {
      status: { type: 'string', multiple: true, description: 'only this status (repeatable)', value: 'STATUS' },
      role: { type: 'string', description: 'only this role', value: 'role' },
      label: { type: 'string', description: 'only tasks with this label', value: 'label' },
      all: { type: 'boolean', short: 'a', description: 'include COMPLETE and ABORTED tasks' },
      json,
    },
    load: async () => (await import('./commands/task.js')).list,
  },
  {
    name: 'task show',
    args: '<ID>',
    summary: 'show a task, its holder and its history',
    options: { json },
    load: async () => (await import('./commands/task.js')).show,
  },
  {
    name: 'task claim',
    args: '<ID>',
    summary: 'take an exclusive claim on a task (sets it UNDERWAY)',
    options: { force, json },
    examples: ['sortie task claim AUTH-12'],
    load: async () => (await import('./commands/task.js')).claim,
  },
  taskVerb('release', 'give a task back (UNDERWAY -> TODO)'),
  taskVerb('handoff', 'release a task with notes; it stays UNDERWAY, waiting for pickup'),
  taskVerb('done', 'mark a task COMPLETE and end its claim'),
  taskVerb('abort', 'mark a task ABORTED and end its claim'),
  taskVerb('block', 'mark a task BLOCKED and release it'),
  taskVerb('pause', 'mark a task PAUSED and release it'),
  taskVerb('review', 'mark a task REVIEW (the claim is kept)'),
  {
    name: 'mission list',
    args: '',
    summary: 'live missions (all recent ones with --all)',
    options: { all: { type: 'boolean', short: 'a', description: 'include ended missions' }, limit: { type: 'string', description: 'how many with --all (default 50)', value: 'n' }, json },
    load: async () => (await import('./commands/mission.js')).list,
  },
  {
    name: 'mission show',
    args: '[mission]',
    summary: 'show a mission (yours when none is named): claims, commits, handoff',
    options: { json },
    load: async () => (await import('./commands/mission.js')).show,
  },
  {
    name: 'mission end',
    args: '[mission]',
    summary: 'end a mission (yours when none is named) and release its claims',
    options: { reason: { type: 'string', description: 'why (default: manual)', value: 'text' }, handoff: note, json },
    load: async () => (await import('./commands/mission.js')).end,
  },
  {
    name: 'mission note',
    args: '<text>',
    summary: "write your mission's handoff notes (kept when it ends)",
    options: { append: { type: 'boolean', description: 'add to the notes instead of replacing them' }, json },
    load: async () => (await import('./commands/mission.js')).note,
  },
  {
    name: 'mission reap',
    args: '',
    summary: 'close missions whose agent died or went silent, releasing their claims',
    options: { json },
    load: async () => (await import('./commands/mission.js')).reap,
  },
  {
    name: 'log',
    args: '',
    summary: 'what changed: the activity log',
    options: {
      since: { type: 'string', description: 'a duration (2h, 3d) or a date/time', value: 'when' },
      mission: { type: 'string', description: 'only this mission (id or codename)', value: 'mission' },
      agent: { type: 'string', description: 'only this agent', value: 'agent' },
      task: { type: 'string', description: 'only this task', value: 'ID' },
      limit: { type: 'string', description: 'at most n entries (default 500)', value: 'n' },
      json,
    },
    load: async () => (await import('./commands/log.js')).log,
  },
  {
    name: 'import',
    args: '<source> [path]',
    summary: 'bring tasks, missions and handoffs from site-nine, overstory, sessions, taskr or workstreams (a dry run unless --apply)',
    options: {
      apply: { type: 'boolean', description: 'write what the plan says (without it, nothing is written)' },
      'map-ids': { type: 'boolean', description: 'give tasks whose ids do not fit tasks.idPattern new ids (printed old -> new)' },
      'preset-check': { type: 'boolean', description: 'only check the source ids against tasks.idPattern and name a preset that fits' },
      json,
    },
    examples: ['sortie import site-nine', 'sortie import site-nine --apply', 'sortie import workstreams work/ --map-ids --apply', 'sortie import taskr ~/.taskr/taskr.db --json'],
    load: async () => (await import('./import/command.js')).importCommand,
  },
  {
    name: 'init',
    args: '',
    summary: 'set sortie up in this repository (config, Claude Code hooks, git hooks, database); safe to re-run',
    options: {
      preset: { type: 'string', description: 'recommended (default), strict, solo or site-nine', value: 'name' },
      'no-claude': { type: 'boolean', description: 'do not touch .claude/settings.json' },
      'no-git': { type: 'boolean', description: 'do not install git hooks' },
      'dry-run': { type: 'boolean', description: 'show what would change, change nothing' },
      json,
    },
    load: async () => (await import('./commands/init.js')).init,
  },
  {
    name: 'uninstall',
    args: '',
    summary: 'remove exactly what `sortie init` added (the database and task files are kept)',
    options: { 'keep-config': { type: 'boolean', description: 'keep .sortierc.json' }, 'dry-run': { type: 'boolean', description: 'show what would change' }, json },
    load: async () => (await import('./commands/init.js')).uninstall,
  },
  {
    name: 'doctor',
    args: '',
    summary: 'check the install, the database, stale missions and orphan claims, with the fix for each',
    options: { json },
    load: async () => (await import('./commands/doctor.js')).doctor,
  },
  {
    name: 'hook',
    args: '<agent> <event> [args...]',
    summary: 'run a hook handler (what agent and git hook configs call; reads the JSON payload on stdin)',
    options: {},
    load: async () => (await import('./commands/hook.js')).hook,
  },
  {
    name: 'demo',
    args: '',
    summary: 'run a whole sortie lifecycle in a throwaway repo and print it',
    options: { keep: { type: 'boolean', description: 'keep the throwaway repo and print its path' } },
    load: async () => (await import('./commands/demo.js')).demo,
  },
];

export const GROUPS: Record<string, string> = {
  task: 'create, claim and close tasks',
  mission: 'agent conversations recorded by sortie',
};

const VERSION = '0.1.0';

export async function main(argv: string[], ctx: Ctx = processCtx()): Promise<number> {
  const c = colors(ctx);
  const wantsJson = argv.includes('--json');
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      ctx.stdout.write(rootHelp(argv[1]));
      return argv.length === 0 ? EXIT.usage : EXIT.ok;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      ctx.stdout.write(`${VERSION}\n`);
      return EXIT.ok;
    }
    const two = COMMANDS.find((cmd) => cmd.name === `${argv[0]} ${argv[1] ?? ''}`);
    const one = COMMANDS.find((cmd) => cmd.name === argv[0]);
    const spec = two ?? one;
    if (!spec) {
      if (GROUPS[argv[0]!]) {
        ctx.stdout.write(groupHelp(argv[0]!));
        if (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h') return argv[1] ? EXIT.ok : EXIT.usage;
        const near = nearest(argv[1], COMMANDS.filter((x) => x.name.startsWith(`${argv[0]} `)).map((x) => x.name.split(' ')[1]!));
        return usageError(ctx, `unknown command "sortie ${argv[0]} ${argv[1]}"${near ? ` (did you mean "sortie ${argv[0]} ${near}"?)` : ''}`);
      }
      const near = nearest(argv[0]!, [...new Set(COMMANDS.map((x) => x.name.split(' ')[0]!))]);
      return usageError(ctx, `unknown command "${argv[0]}"${near ? ` (did you mean "sortie ${near}"?)` : ''}`, 'sortie --help');
    }
    const rest = argv.slice(spec.name.split(' ').length);
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    let parsed: Parsed;
    try {
      const cfg: ParseArgsConfig = { args: rest, options: spec.options as ParseArgsConfig['options'], allowPositionals: true, strict: true };
      parsed = parseArgs(cfg) as unknown as Parsed;
    } catch (e) {
      return usageError(ctx, errorMessage(e).replace(/\. To specify a positional.*$/, ''), `sortie ${spec.name} --help`);
    }
    const wanted = spec.args.split(' ').filter((a) => a.startsWith('<')).length;
    const allowed = spec.args.split(' ').filter(Boolean).length;
    if (parsed.positionals.length < wanted) return usageError(ctx, `missing ${spec.args.split(' ')[parsed.positionals.length]}`, `sortie ${spec.name} --help`);
    if (parsed.positionals.length > allowed && !['task new', 'mission note', 'hook'].includes(spec.name)) {
      return usageError(ctx, `unexpected argument "${parsed.positionals[allowed]}"`, `sortie ${spec.name} --help`);
    }
    const run = await spec.load();
    return await run(parsed, ctx);
  } catch (e) {
    if (isSortieError(e)) {
      if (wantsJson) printJson(ctx, { error: { code: e.code, message: e.message, hint: e.hint, ...e.data } });
      else ctx.stderr.write(`${c.red('sortie:')} ${e.message}\n${e.hint ? `  ${c.dim('fix:')} ${e.hint}\n` : ''}`);
      return e.exitCode;
    }
    const msg = errorMessage(e);
    ctx.stderr.write(
      `${c.red('sortie: internal error:')} ${msg}\n  please report it with: sortie ${VERSION}, node ${process.version}, ${process.platform}\n${ctx.env.SORTIE_DEBUG ? `${(e as Error).stack}\n` : '  (set SORTIE_DEBUG=1 for the stack trace)\n'}`,
    );
    return EXIT.internal;
  }
}

function usageError(ctx: Ctx, message: string, hint?: string): number {
  ctx.stderr.write(`sortie: ${message}\n${hint ? `  see: ${hint}\n` : ''}`);
  return EXIT.usage;
}

function rootHelp(topic?: string): string {
  if (topic && GROUPS[topic]) return groupHelp(topic);
  const spec = topic ? COMMANDS.find((c) => c.name === topic || c.name.startsWith(`${topic} `)) : undefined;
  if (spec) return commandHelp(spec);
  const lines = [
    'sortie: missions, claims and context for AI coding agents sharing a git repository',
    '',
    'Usage: sortie <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(26)} ${c.summary}`),
    '',
    'Every read command takes --json. Exit codes: 0 ok, 1 refused (claim held, blocked),',
    '2 usage or config error, 3 task or mission not found, 4 environment (not a repo, database).',
    'Identity: SORTIE_MISSION, else the agent session variable, else you (git user.email).',
    '',
    'Run `sortie <command> --help` for its options.',
    '',
  ];
  return lines.join('\n');
}

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return [`sortie ${group}: ${GROUPS[group]}`, '', ...cmds.map((c) => `  ${`${c.name} ${c.args}`.padEnd(26)} ${c.summary}`), '', `Run \`sortie ${group} <command> --help\` for options.`, ''].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `Usage: sortie ${spec.name}${spec.args ? ` ${spec.args}` : ''} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...opts,
    `  ${'-h, --help'.padEnd(30)} show this help`,
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
    '',
  ].join('\n');
}
