import { EXIT, errorMessage, isSortieError } from './errors.js';
import { environmentError } from './env-errors.js';
import { colors, printJson } from './ui.js';
import { forTerminalBlock, nearest } from './text.js';
import { VERSION } from './version.js';
import { processCtx, type Ctx } from './ctx.js';
import { parseCommand } from './commands/parse.js';
import { COMMANDS, GROUPS, VISIBLE } from './commands/specs.js';
import type { CommandSpec } from './commands/types.js';
import { runParsed } from './commands/loaders.js';

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
    const spec: CommandSpec | undefined = two ?? one;
    if (!spec) {
      if (GROUPS[argv[0]!]) {
        ctx.stdout.write(groupHelp(argv[0]!));
        if (argv[1] === undefined || argv[1] === '--help' || argv[1] === '-h') return argv[1] ? EXIT.ok : EXIT.usage;
        const near = nearest(argv[1], VISIBLE.filter((x) => x.name.startsWith(`${argv[0]} `)).map((x) => x.name.split(' ')[1]!));
        return usageError(ctx, `unknown command "sortie ${argv[0]} ${argv[1]}"${near ? ` (did you mean "sortie ${argv[0]} ${near}"?)` : ''}`);
      }
      const near = nearest(argv[0]!, [...new Set(VISIBLE.map((x) => x.name.split(' ')[0]!))]);
      return usageError(ctx, `unknown command "${argv[0]}"${near ? ` (did you mean "sortie ${near}"?)` : ''}`, 'sortie --help');
    }
    const rest = argv.slice(spec.name.split(' ').length);
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(commandHelp(spec));
      return EXIT.ok;
    }
    const parsed = parseCommand(spec, rest);
    if (!parsed.ok) return usageError(ctx, parsed.message, `sortie ${spec.name} --help`);
    return await runParsed(spec, parsed.options, ctx);
  } catch (caught) {
    // The machine's problems (read-only, disk full, a file for a folder) are not sortie's bugs.
    const e = environmentError(caught) ?? caught;
    if (isSortieError(e)) {
      if (wantsJson) printJson(ctx, { error: { ...e.data, code: e.code, message: e.message, hint: e.hint ?? null } });
      else ctx.stderr.write(`${c.red('sortie:')} ${forTerminalBlock(e.message, 2000)}\n${e.hint ? `  ${c.dim('fix:')} ${forTerminalBlock(e.hint, 2000)}\n` : ''}`);
      return e.exitCode;
    }
    const msg = errorMessage(e);
    ctx.stderr.write(
      `${c.red('sortie: internal error:')} ${forTerminalBlock(msg, 2000)}\n  please report it with: sortie ${VERSION}, node ${process.version}, ${process.platform}\n${ctx.env.SORTIE_DEBUG ? `${(e as Error).stack}\n` : '  (set SORTIE_DEBUG=1 for the stack trace)\n'}`,
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
    ...VISIBLE.map((c) => `  ${`${c.name} ${usage(c)}`.padEnd(26)} ${c.summary}`),
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
  const cmds = VISIBLE.filter((c) => c.name.startsWith(`${group} `));
  return [`sortie ${group}: ${GROUPS[group]}`, '', ...cmds.map((c) => `  ${`${c.name} ${usage(c)}`.padEnd(26)} ${c.summary}`), '', `Run \`sortie ${group} <command> --help\` for options.`, ''].join('\n');
}

/** How help shows a command's arguments: `<ID>`, `<agent> <event> [args...]`. */
function usage(spec: CommandSpec): string {
  return spec.args.map((a) => a.usage).join(' ');
}

function commandHelp(spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `Usage: sortie ${spec.name}${spec.args.length ? ` ${usage(spec)}` : ''} [options]`,
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
