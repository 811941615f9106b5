// --help everywhere, exit codes by kind of failure, and NO_COLOR.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, test } from 'vitest';
import { COMMANDS } from '../../dist/commands/specs.js';
import { cleanEnv, makeRepo, runSortie } from '../helpers/repo.js';

const repo = makeRepo({ name: 'cli-help' });
const outside = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-norepo-')));
afterAll(() => {
  repo.cleanup();
  rmSync(outside, { recursive: true, force: true });
});
const ESC = '\x1b[';

describe('--help', () => {
  it.each(COMMANDS.map((c) => [c.name]))('sortie %s --help prints its usage and exits 0', (name) => {
    const r = repo.sortie([...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: sortie ${name}( |$)`));
    expect(r.stdout).toContain('-h, --help');
    expect(r.stderr).toBe('');
    expect(repo.sortie([...name.split(' '), '-h']).stdout).toBe(r.stdout);
  });

  it('every read command documents --json', () => {
    for (const name of ['status', 'task list', 'task show', 'mission list', 'mission show', 'log']) {
      expect(repo.sortie([...name.split(' '), '--help']).stdout, name).toContain('--json');
    }
  });

  it('root and group help', () => {
    const root = repo.sortie(['--help']);
    expect(root.code).toBe(0);
    for (const c of COMMANDS.filter((x) => !x.hidden)) expect(root.stdout).toContain(`  ${c.name}`);
    for (const c of COMMANDS.filter((x) => x.hidden)) expect(root.stdout).not.toContain(c.name);
    // Nor is a hidden command suggested for a mistyped one.
    const typo = repo.sortie(['__complet']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).not.toContain('__complete"');
    expect(repo.sortie(['help', 'task']).stdout).toContain('sortie task: create, claim and close tasks');
    expect(repo.sortie(['task', '--help']).code).toBe(0);
    expect(repo.sortie(['mission', '--help']).stdout).toContain('mission reap');
    expect(repo.sortie([]).code).toBe(2);
    expect(repo.sortie(['task']).code).toBe(2);
    expect(repo.sortie(['--version']).stdout).toBe('0.1.0\n');
    // Help works outside a repository too: it touches nothing.
    expect(runSortie(['task', 'claim', '--help'], { cwd: outside, env: cleanEnv() }).code).toBe(0);
  });
});

describe('exit codes', () => {
  it('2 for usage errors', () => {
    for (const args of [['nope'], ['task', 'nope'], ['task', 'list', '--nope'], ['task', 'show'], ['task', 'show', 'A-1', 'B-2'], ['task', 'claim', 'x/y'], ['log', '--limit', 'x']]) {
      const r = repo.sortie(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^sortie: /);
    }
  });

  it('3 for a task or mission that does not exist', () => {
    expect(repo.sortie(['task', 'show', 'NOPE-1']).code).toBe(3);
    expect(repo.sortie(['mission', 'end', '999']).code).toBe(3);
  });

  it('1 for a refusal, 0 for success', () => {
    expect(repo.sortie(['task', 'new', 'One']).code).toBe(0);
    expect(repo.sortie(['task', 'release', 'TASK-1']).code).toBe(1);
    expect(repo.sortie(['task', 'done', 'TASK-1']).code).toBe(1);
  });

  it('4 outside a git repository, with --json error output', () => {
    const r = runSortie(['status', '--json'], { cwd: outside, env: cleanEnv() });
    expect(r.code).toBe(4);
    expect(r.json().error.code).toBe('NOT_A_REPO');
    const t = runSortie(['task', 'list'], { cwd: outside, env: cleanEnv() });
    expect(t.code).toBe(4);
    expect(t.stderr).toContain(`not inside a git repository: ${outside}`);
  });
});

describe('NO_COLOR', () => {
  const cases: string[][] = [['status'], ['ready'], ['next'], ['task', 'list'], ['task', 'show', 'TASK-1'], ['task', 'claim', 'NOPE-9'], ['mission', 'list', '--all'], ['log']];
  it('FORCE_COLOR alone colours the output (so the check below can fail)', () => {
    const r = repo.sortie(['task', 'list'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(r.stdout).toContain(ESC);
  });
  it.each(cases.map((c) => [c.join(' '), c]))('sortie %s prints no escape codes when NO_COLOR is set, even with FORCE_COLOR', (_n, args) => {
    const r = repo.sortie(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(r.stdout + r.stderr).not.toContain(ESC);
    expect(r.stdout + r.stderr).not.toBe('');
  });
});

describe('a mistyped command', () => {
  test('exits 2 and names the command that was probably meant', () => {
    const repo = makeRepo({ name: 'cli-typo' });
    try {
      const sub = repo.sortie(['task', 'clam', 'TASK-1']);
      expect(sub.code).toBe(2);
      expect(sub.stderr).toContain('unknown command "sortie task clam" (did you mean "sortie task claim"?)');
      const top = repo.sortie(['stauts']);
      expect(top.code).toBe(2);
      expect(top.stderr).toContain('(did you mean "sortie status"?)');
      const far = repo.sortie(['frobnicate']);
      expect(far.code).toBe(2);
      expect(far.stderr).not.toContain('did you mean');
    } finally {
      repo.cleanup();
    }
  });
});
