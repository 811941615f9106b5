import { AGENT_LIST } from '../agents/index.js';
import { presetNames } from '../config/load.js';
import type { StatusVerb } from '../tasks/tasks.js';
import type { CommandSpec, Options } from './types.js';

/**
 * The command table: each command's words, arguments, options and help. Data only, so that
 * `sortie --help` loads nothing else; src/cli.ts maps each name to its lazily loaded function, and
 * each command's options object is typed from its entry here (OptionsOf<'task claim'>).
 */
/** `recommended (default), site-nine, solo or strict`: the presets in presets/. */
function presetChoices(): string {
  const [first = '', ...rest] = presetNames();
  return rest.length ? `${first} (default), ${rest.slice(0, -1).join(', ')}${rest.length > 1 ? ' or ' : ''}${rest[rest.length - 1]}` : `${first} (default)`;
}

const json = { type: 'boolean', description: 'print machine-readable JSON' } as const;
const force = { type: 'boolean', description: 'override the holder or transition check (a person repairing a record; recorded as forced)' } as const;
const note = { type: 'string', description: 'notes left for whoever picks the task up next', value: 'text' } as const;

const taskVerb = <V extends StatusVerb>(verb: V, summary: string) => ({
  name: `task ${verb}` as const,
  args: [{ name: 'id', usage: '<ID>' }] as const,
  summary,
  options: { note: verb === 'handoff' ? { ...note, description: 'the handoff notes (required)' } : note, force, json },
});

export const COMMANDS = [
  {
    name: 'status',
    args: [],
    summary: 'dashboard: live missions and what they hold, tasks waiting for pickup, ready tasks',
    options: { json },
  },
  {
    name: 'ready',
    args: [],
    summary: 'what can be started now: ready tasks by priority, then tasks waiting for pickup with their handoff',
    options: { limit: { type: 'string', description: 'at most n of each (default 20)', value: 'n' }, json },
  },
  {
    name: 'next',
    args: [],
    summary: 'the first task to start (ready or waiting, by priority); --claim claims it in the same transaction',
    options: {
      claim: { type: 'boolean', description: 'claim it too (concurrent callers get different tasks); exit 1 when nothing is ready' },
      json,
    },
    examples: ['sortie next --claim'],
  },
  {
    name: 'task new',
    args: [{ name: 'title', usage: '<title>', rest: 'join' }],
    summary: 'create a task file with the next free id',
    options: {
      priority: { type: 'string', short: 'p', description: 'critical, high, medium (default) or low', value: 'level' },
      role: { type: 'string', description: 'role (used by the site-nine id format)', value: 'role' },
      prefix: { type: 'string', description: 'id prefix (default from config)', value: 'KEY' },
      label: { type: 'string', multiple: true, description: 'a label', value: 'label' },
      'depends-on': { type: 'string', multiple: true, description: 'a task this one depends on', value: 'ID' },
      body: { type: 'string', description: 'markdown body', value: 'text' },
      status: { type: 'string', description: 'TODO (default), BLOCKED or PAUSED', value: 'status' },
      json,
    },
    examples: ['sortie task new "Fix login redirect" -p high --label auth'],
  },
  {
    name: 'task edit',
    args: [{ name: 'id', usage: '<ID>' }],
    summary: 'change a task file without opening it (only the keys named change; the rest of the file is kept byte for byte)',
    options: {
      title: { type: 'string', description: 'the new title', value: 'text' },
      priority: { type: 'string', short: 'p', description: 'critical, high, medium or low', value: 'level' },
      label: { type: 'string', multiple: true, description: 'add a label', value: 'label' },
      'remove-label': { type: 'string', multiple: true, description: 'remove a label', value: 'label' },
      'depends-on': { type: 'string', multiple: true, description: 'add a dependency (refused if it would make a cycle)', value: 'ID' },
      'no-depends-on': { type: 'string', multiple: true, description: 'remove a dependency', value: 'ID' },
      role: { type: 'string', description: 'set the role', value: 'role' },
      body: { type: 'string', description: 'replace the markdown body', value: 'text' },
      json,
    },
    examples: ['sortie task edit TASK-3 -p high --label auth --depends-on TASK-1'],
  },
  {
    name: 'task list',
    args: [],
    summary: 'list tasks (open ones unless --all)',
    options: {
      status: { type: 'string', multiple: true, description: 'only this status', value: 'STATUS' },
      role: { type: 'string', description: 'only this role', value: 'role' },
      label: { type: 'string', description: 'only tasks with this label', value: 'label' },
      all: { type: 'boolean', short: 'a', description: 'include COMPLETE and ABORTED tasks' },
      json,
    },
  },
  {
    name: 'task show',
    args: [{ name: 'id', usage: '<ID>' }],
    summary: 'show a task, its holder and its history',
    options: { json },
  },
  {
    name: 'task claim',
    args: [{ name: 'id', usage: '<ID>' }],
    summary: 'take an exclusive claim on a task (sets it UNDERWAY)',
    options: { force, json },
    examples: ['sortie task claim AUTH-12'],
  },
  {
    name: 'task reopen',
    args: [{ name: 'id', usage: '<ID>' }],
    summary: 'reopen a closed task (COMPLETE or ABORTED here or on any branch): a person only, recorded',
    options: { note, json },
    examples: ['sortie task reopen AUTH-12 --note "the fix did not cover Safari"'],
  },
  {
    name: 'task renumber',
    args: [{ name: 'id', usage: '<ID>' }],
    summary: "give this checkout's task a new id (its id names another task elsewhere): the file, its id and the depends_on naming it here",
    options: { to: { type: 'string', description: 'the new id (default: the next free one)', value: 'ID' }, json },
    examples: ['sortie task renumber TASK-3'],
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
    args: [],
    summary: 'live missions (all recent ones with --all)',
    options: { all: { type: 'boolean', short: 'a', description: 'include ended missions' }, limit: { type: 'string', description: 'how many with --all (default 50)', value: 'n' }, json },
  },
  {
    name: 'mission show',
    args: [{ name: 'mission', usage: '[mission]' }],
    summary: 'show a mission (yours when none is named): claims, commits, handoff',
    options: { json },
  },
  {
    name: 'mission end',
    args: [{ name: 'mission', usage: '[mission]' }],
    summary: 'end a mission (yours when none is named) and release its claims',
    options: { reason: { type: 'string', description: 'why (default: manual)', value: 'text' }, handoff: note, json },
  },
  {
    name: 'mission note',
    args: [{ name: 'text', usage: '<text>', rest: 'join' }],
    summary: "write your mission's handoff notes (kept when it ends)",
    options: { append: { type: 'boolean', description: 'add to the notes instead of replacing them' }, json },
  },
  {
    name: 'mission reap',
    args: [],
    summary: 'close missions whose agent died or went silent, releasing their claims',
    options: { json },
  },
  {
    name: 'log',
    args: [],
    summary: 'what changed: the activity log',
    options: {
      since: { type: 'string', description: 'a duration (2h, 3d) or a date/time', value: 'when' },
      mission: { type: 'string', description: 'only this mission (id or codename)', value: 'mission' },
      agent: { type: 'string', description: 'only this agent', value: 'agent' },
      task: { type: 'string', description: 'only this task', value: 'ID' },
      limit: { type: 'string', description: 'at most n entries (default 500)', value: 'n' },
      json,
    },
  },
  {
    name: 'import',
    args: [{ name: 'source', usage: '<source>' }, { name: 'path', usage: '[path]' }],
    summary: 'bring tasks, missions and handoffs from site-nine, overstory, sessions, taskr or workstreams (a dry run unless --apply)',
    options: {
      apply: { type: 'boolean', description: 'write what the plan says (without it, nothing is written)' },
      'map-ids': { type: 'boolean', description: 'give tasks whose ids do not fit tasks.idPattern new ids (printed old -> new)' },
      'preset-check': { type: 'boolean', description: 'only check the source ids against tasks.idPattern and name a preset that fits' },
      json,
    },
    examples: ['sortie import site-nine', 'sortie import site-nine --apply', 'sortie import workstreams work/ --map-ids --apply', 'sortie import taskr ~/.taskr/taskr.db --json'],
  },
  {
    name: 'init',
    args: [],
    summary: "set sortie up in this repository (config, the agents' hooks, git hooks, database); safe to re-run",
    options: {
      preset: { type: 'string', description: presetChoices(), value: 'name' },
      agent: { type: 'string', multiple: true, description: `set this agent up (${AGENT_LIST.map((a) => a.name).join(', ')}); default: the agents whose config the repository has, else claude-code`, value: 'name' },
      trust: { type: 'boolean', description: "also trust sortie's hooks in each agent's own user config (Codex, Gemini CLI, Copilot CLI ask once)" },
      'no-claude': { type: 'boolean', description: 'do not touch .claude/settings.json' },
      'no-git': { type: 'boolean', description: 'do not install git hooks' },
      wire: { type: 'boolean', description: 'where another hook manager (pre-commit, lefthook, simple-git-hooks, .git/hooks) owns the hooks, add sortie to its config' },
      'dry-run': { type: 'boolean', description: 'show what would change, change nothing' },
      json,
    },
  },
  {
    name: 'uninstall',
    args: [],
    summary: 'remove exactly what `sortie init` added (the database and task files are kept)',
    options: {
      'keep-config': { type: 'boolean', description: 'keep .sortierc.json' },
      remote: { type: 'boolean', description: "also remove this clone's claims from the git remote (refs/sortie/claims/*)" },
      'dry-run': { type: 'boolean', description: 'show what would change' },
      json,
    },
  },
  {
    name: 'prepare',
    args: [],
    summary: "what the project's install script runs on each clone: wires this clone's git hooks; never fails the install",
    options: {},
  },
  {
    name: 'doctor',
    args: [],
    summary: 'check the install, the database, stale missions and orphan claims, with the fix for each',
    options: { fix: { type: 'boolean', description: 'run the sortie commands that fix what it found (listed first), then check again' }, json },
    examples: ['sortie doctor', 'sortie doctor --fix'],
  },
  {
    name: 'ui',
    args: [],
    summary: 'a live board, mission timeline and mission pages in the browser (read-only, loopback, token in the URL)',
    options: {
      port: { type: 'string', description: 'listen on this port (default: a free one)', value: 'n' },
      open: { type: 'boolean', description: 'open the page in the browser' },
      json: { type: 'boolean', description: 'print {"url", "port"} as one JSON line' },
    },
    examples: ['sortie ui --open'],
  },
  {
    name: 'report',
    args: [],
    summary: 'write the board and timeline as one self-contained HTML file (no network; for CI artifacts)',
    options: {
      html: { type: 'string', description: 'the file to write', value: 'file' },
      since: { type: 'string', description: 'timeline from this long ago (3d) or this date (default: recent missions)', value: 'when' },
      json,
    },
    examples: ['sortie report --html sortie-report.html'],
  },
  {
    name: 'completion',
    args: [{ name: 'shell', usage: '<bash|zsh|fish>' }],
    summary: 'print a shell completion script (commands, flags, task ids): source <(sortie completion bash)',
    // No --json: the output is the script itself, to be sourced or saved; wrapping it in JSON tells a program nothing more.
    options: {},
    examples: ['source <(sortie completion bash)      # in ~/.bashrc', 'sortie completion fish > ~/.config/fish/completions/sortie.fish'],
  },
  {
    name: '__complete',
    args: [{ name: 'what', usage: '<what>' }],
    summary: 'completion plumbing: print task ids (`__complete tasks`)',
    options: {},
    hidden: true,
  },
  {
    name: '__remote-refresh',
    args: [{ name: 'lock', usage: '<lock>' }],
    summary: "background plumbing started by hooks: refresh the cache of the git remote's claims, publish, renew (then remove <lock>)",
    options: {},
    hidden: true,
  },
  {
    name: 'hook',
    args: [{ name: 'agent', usage: '<agent>' }, { name: 'event', usage: '<event>' }, { name: 'args', usage: '[args...]', rest: 'list' }],
    summary: 'run a hook handler (what agent and git hook configs call; reads the JSON payload on stdin)',
    options: {},
  },
  {
    name: 'demo',
    args: [],
    summary: 'run a whole sortie lifecycle in a throwaway repo and print it',
    options: { keep: { type: 'boolean', description: 'keep the throwaway repo and print its path' } },
  },
] as const satisfies readonly CommandSpec[];

export const GROUPS: Record<string, string> = {
  task: 'create, claim and close tasks',
  mission: 'agent conversations recorded by sortie',
};

/** The commands help, suggestions and completion name: all but the hidden plumbing (`__complete`). */
export const VISIBLE: readonly CommandSpec[] = COMMANDS.filter((c: CommandSpec) => !c.hidden);

export type CommandName = (typeof COMMANDS)[number]['name'];

/** The typed options object of one command. */
export type OptionsOf<N extends CommandName> = Options<Extract<(typeof COMMANDS)[number], { name: N }>>;
