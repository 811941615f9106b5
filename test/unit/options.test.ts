/**
 * argv -> the typed options object each command receives, for every command of the table
 * (commands/specs.ts), through the one parser (commands/parse.ts), plus the usage errors it
 * returns instead of throwing.
 */
import { describe, expect, test } from 'vitest';
import { parseCommand } from '../../dist/commands/parse.js';
import { COMMANDS } from '../../dist/commands/specs.js';

const spec = (name: string) => {
  const s = COMMANDS.find((c) => c.name === name);
  if (!s) throw new Error(`no command ${name}`);
  return s;
};

const verb = (v: string): [string, string[], Record<string, unknown>] => [`task ${v}`, ['AUTH-1', '--note', 'left off in the parser', '--force'], { id: 'AUTH-1', note: 'left off in the parser', force: true, json: false }];

const TABLE: [string, string[], Record<string, unknown>][] = [
  ['status', ['--json'], { json: true }],
  ['ready', ['--limit', '5', '--json'], { limit: '5', json: true }],
  ['next', ['--claim'], { claim: true, json: false }],
  [
    'task new',
    ['Fix', 'the', 'login', '-p', 'high', '--label', 'auth', '--label', 'web', '--depends-on', 'AUTH-3', '--role', 'OPR', '--prefix', 'WEB', '--body', 'Text', '--status', 'BLOCKED'],
    { title: 'Fix the login', priority: 'high', role: 'OPR', prefix: 'WEB', label: ['auth', 'web'], dependsOn: ['AUTH-3'], body: 'Text', status: 'BLOCKED', json: false },
  ],
  [
    'task edit',
    ['AUTH-1', '--title', 'Fix it', '-p', 'high', '--label', 'auth', '--remove-label', 'web', '--depends-on', 'AUTH-3', '--no-depends-on', 'AUTH-2', '--role', 'OPR', '--body', 'Text'],
    { id: 'AUTH-1', title: 'Fix it', priority: 'high', label: ['auth'], removeLabel: ['web'], dependsOn: ['AUTH-3'], noDependsOn: ['AUTH-2'], role: 'OPR', body: 'Text', json: false },
  ],
  ['task list', ['--status', 'TODO', '--status', 'REVIEW', '-a', '--role', 'OPR', '--label', 'auth'], { status: ['TODO', 'REVIEW'], role: 'OPR', label: 'auth', all: true, json: false }],
  ['task show', ['AUTH-1', '--json'], { id: 'AUTH-1', json: true }],
  ['task claim', ['AUTH-1'], { id: 'AUTH-1', force: false, json: false }],
  ['task reopen', ['AUTH-1', '--note', 'not fixed on Safari'], { id: 'AUTH-1', note: 'not fixed on Safari', json: false }],
  ['task renumber', ['AUTH-3', '--to', 'AUTH-9', '--json'], { id: 'AUTH-3', to: 'AUTH-9', json: true }],
  verb('release'),
  verb('handoff'),
  verb('done'),
  verb('abort'),
  verb('block'),
  verb('pause'),
  verb('review'),
  ['mission list', ['--all', '--limit', '5'], { all: true, limit: '5', json: false }],
  ['mission show', [], { mission: undefined, json: false }],
  ['mission end', ['silent-phoenix', '--reason', 'done', '--handoff', 'notes', '--json'], { mission: 'silent-phoenix', reason: 'done', handoff: 'notes', json: true }],
  ['mission note', ['tests', 'pass;', 'docs', 'left', '--append'], { text: 'tests pass; docs left', append: true, json: false }],
  ['mission reap', [], { json: false }],
  ['log', ['--since', '2h', '--mission', '#3', '--agent', 'claude-code', '--task', 'AUTH-1', '--limit', '10'], { since: '2h', mission: '#3', agent: 'claude-code', task: 'AUTH-1', limit: '10', json: false }],
  ['import', ['site-nine', 'old/project.db', '--apply', '--map-ids', '--json'], { source: 'site-nine', path: 'old/project.db', apply: true, mapIds: true, presetCheck: false, json: true }],
  ['init', ['--preset', 'strict', '--agent', 'codex', '--agent', 'gemini-cli', '--trust', '--no-claude', '--no-git', '--wire', '--dry-run', '--json'], { preset: 'strict', agent: ['codex', 'gemini-cli'], trust: true, noClaude: true, noGit: true, wire: true, dryRun: true, json: true }],
  ['uninstall', ['--keep-config', '--remote', '--dry-run'], { keepConfig: true, remote: true, dryRun: true, json: false }],
  ['doctor', ['--fix'], { fix: true, json: false }],
  ['prepare', [], {}],
  ['ui', ['--port', '8080', '--open', '--json'], { port: '8080', open: true, json: true }],
  ['report', ['--html', 'r.html', '--since', '3d'], { html: 'r.html', since: '3d', json: false }],
  ['completion', ['zsh'], { shell: 'zsh' }],
  ['__complete', ['tasks'], { what: 'tasks' }],
  ['__remote-refresh', ['/r/.git/sortie/remote-refresh.lock'], { lock: '/r/.git/sortie/remote-refresh.lock' }],
  ['hook', ['git', 'commit-msg', '.git/COMMIT_EDITMSG'], { agent: 'git', event: 'commit-msg', args: ['.git/COMMIT_EDITMSG'] }],
  ['demo', ['--keep'], { keep: true }],
];

describe('argv -> options', () => {
  test('the table covers every command', () => {
    expect(TABLE.map(([name]) => name).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  test.each(TABLE)('sortie %s %j', (name, argv, options) => {
    expect(parseCommand(spec(name), argv)).toEqual({ ok: true, options });
  });
});

describe('usage errors come back as messages', () => {
  test.each([
    ['task show', [], 'missing <ID>'],
    ['task show', ['A-1', 'B-2'], 'unexpected argument "B-2"'],
    ['task list', ['--nope'], "Unknown option '--nope'"],
    ['hook', ['claude-code'], 'missing <event>'],
    ['completion', [], 'missing <bash|zsh|fish>'],
    ['completion', ['bash', '--json'], "Unknown option '--json'"], // the script is the output: no JSON form
    ['task edit', ['AUTH-1', '--label'], "Option '--label <value>' argument missing"],
    ['import', [], 'missing <source>'],
    ['import', ['sessions', 'a', 'b'], 'unexpected argument "b"'],
    ['task claim', ['AUTH-1', '--force=yes'], "Option '--force' does not take an argument"],
  ])('sortie %s %j', (name, argv, message) => {
    const r = parseCommand(spec(name), argv);
    expect(r.ok).toBe(false);
    expect((r as { message: string }).message).toContain(message);
  });
});
