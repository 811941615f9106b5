// One scenario: the guard judges the message git will keep. For every cleanup mode, comment
// character and -v, a real `git commit` through the installed hooks names TASK-1 (unclaimed) in a
// line that git either keeps (the commit must be blocked) or drops (it must pass), and the message
// git really kept is checked against that. It runs twice: with the shipped id pattern (the shell
// prefilter, then awk, then Node) and with a custom one (awk, then Node), so the shell fast path
// can never skip a message git keeps. Then what cherry-pick and revert (which run no commit-msg
// hook) do with sortie.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitCount, gitRun, recorded, stage, startAgent, type Agent } from '../helpers/guard.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const CUT = '# ------------------------ >8 ------------------------';

let repo: TempRepo;
let a: Agent;
let editors = 0;

/** An editor that replaces what the user types (the lines before git's own template) and appends `after` at the very end. */
function editor(top: string[], after: string[] = []): string {
  const file = join(repo.dir, '.git', `editor-${++editors}.sh`);
  const q = (l: string[]) => l.map((x) => `'${x.replace(/'/g, `'\\''`)}'`).join(' ');
  writeFileSync(file, `#!/bin/sh\nf="$1"\n{ printf '%s\\n' ${q(top) || "''"}; cat "$f"; ${after.length ? `printf '%s\\n' ${q(after)};` : ''} } > "$f.new" && mv "$f.new" "$f"\n`);
  chmodSync(file, 0o755);
  return file;
}

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  /** The message is edited: the editor types these lines, and appends the second list at the end. */
  edit?: [string[], string[]?];
  /** Whether git keeps the line that names TASK-1. */
  kept: boolean;
  config?: Record<string, string>;
}

function cases(): Case[] {
  return [
    { name: '-m "# TASK-1: ..." (no editor: whitespace, # lines kept)', args: ['-m', '# TASK-1: sneak in'], kept: true },
    { name: '-m "#TASK-1 ..."', args: ['-m', '#TASK-1 sneak in'], kept: true },
    { name: 'a second -m paragraph "# TASK-1"', args: ['-m', 'fix', '-m', '# TASK-1'], kept: true },
    { name: '--cleanup=strip -m: # lines dropped', args: ['--cleanup=strip', '-m', 'fix\n# TASK-1'], kept: false },
    { name: 'git -c commit.cleanup=strip: # lines dropped', args: ['-m', 'fix\n# TASK-1'], config: {}, env: { GIT_CONFIG_PARAMETERS: "'commit.cleanup'='strip'" }, kept: false },
    { name: 'commit.cleanup=strip in the config', args: ['-m', 'fix\n# TASK-1'], config: { 'commit.cleanup': 'strip' }, kept: false },
    { name: '--cleanup=verbatim, edited', args: ['--cleanup=verbatim'], edit: [['fix', '# TASK-1 mentioned']], kept: true },
    { name: '--cleanup=whitespace, edited', args: ['--cleanup=whitespace'], edit: [['fix', '# TASK-1 mentioned']], kept: true },
    { name: 'default, edited: strip', args: [], edit: [['fix', '# TASK-1 mentioned']], kept: false },
    { name: 'default, edited: "#TASK-1" is a comment too', args: [], edit: [['fix', '#TASK-1 mentioned']], kept: false },
    { name: 'core.commentChar=";": a # line is message', args: [], config: { 'core.commentChar': ';' }, edit: [['fix', '# TASK-1 mentioned']], kept: true },
    { name: 'core.commentChar=";": a ; line is a comment', args: [], config: { 'core.commentChar': ';' }, edit: [['fix', '; TASK-1 mentioned']], kept: false },
    { name: 'core.commentChar=auto, --cleanup=strip -m "# TASK-1" (git picks ;)', args: ['--cleanup=strip', '-m', '# TASK-1: sneak in'], config: { 'core.commentChar': 'auto' }, kept: true },
    { name: 'core.commentChar=auto, edited: git picks #', args: [], config: { 'core.commentChar': 'auto' }, edit: [['fix', '# TASK-1 mentioned']], kept: false },
    { name: 'scissors, edited: below the cut line is dropped', args: ['--cleanup=scissors'], edit: [['fix'], ['TASK-1 below the cut']], kept: false },
    { name: 'scissors with -m (not edited: whitespace): kept', args: ['--cleanup=scissors', '-m', `fix\n${CUT}\nTASK-1 after`], kept: true },
    { name: 'default -m with a cut line, no -v: kept', args: ['-m', `fix\n${CUT}\nTASK-1 after`], kept: true },
    { name: '-v -m with a cut line: dropped', args: ['-v', '-m', `fix\n${CUT}\nTASK-1 after`], kept: false },
    { name: '-qvm bundled: dropped', args: ['-qvm', `fix\n${CUT}\nTASK-1 after`], kept: false },
    { name: 'commit.verbose=true -m with a cut line: dropped', args: ['-m', `fix\n${CUT}\nTASK-1 after`], config: { 'commit.verbose': 'true' }, kept: false },
    { name: '-v, edited: the diff below the cut line is dropped', args: ['-v'], edit: [['fix'], ['+TASK-1 in a diff']], kept: false },
    { name: 'edited without -v, a typed cut line: the line after is kept', args: [], edit: [['fix', CUT, 'TASK-1 after']], kept: true },
  ];
}

beforeAll(() => {
  repo = makeRepo({ name: 'guard-cleanup' });
  expect(repo.sortie(['init']).code).toBe(0);
  expect(repo.sortie(['task', 'new', 'Login']).code).toBe(0);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie');
  a = startAgent(repo, 'cleanup-a');
});
afterAll(() => repo?.cleanup());

function run(c: Case): void {
  for (const [k, v] of Object.entries(c.config ?? {})) repo.git('config', k, v);
  try {
    stage(repo);
    const before = commitCount(repo);
    const env = { ...a.env, GIT_EDITOR: c.edit ? editor(c.edit[0], c.edit[1]) : ':', ...c.env };
    const r = gitRun(repo, ['commit', '-q', ...c.args], { env });
    if (c.kept) {
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(1);
      expect(r.stderr).toContain('sortie: commit blocked (commit-msg)');
      expect(r.stderr).toContain('TASK-1');
      expect(commitCount(repo)).toBe(before);
      // What git would have kept does name TASK-1: the same commit, unguarded.
      const skip = gitRun(repo, ['commit', '-q', ...c.args], { env: { ...env, SORTIE_SKIP: '1' } });
      expect(skip.code, skip.stderr).toBe(0);
      expect(repo.git('log', '-1', '--format=%B')).toContain('TASK-1');
    } else {
      expect(r.code, `${c.name}: ${r.stderr}`).toBe(0);
      expect(r.stderr).not.toContain('sortie');
      expect(commitCount(repo)).toBe(before + 1);
      expect(repo.git('log', '-1', '--format=%B')).not.toContain('TASK-1');
    }
  } finally {
    for (const k of Object.keys(c.config ?? {})) repo.git('config', '--unset', k);
  }
}

describe('the guard judges the message git will keep (shipped id pattern: shell prefilter, awk, Node)', () => {
  for (const c of cases()) it(c.name, () => run(c));
});

describe('the same with a custom id pattern (no prefilter: awk, then Node)', () => {
  beforeAll(() => {
    repo.write('.sortierc.json', JSON.stringify({ extends: 'recommended', tasks: { idPattern: '[A-Z]+-[0-9]+' } }));
    const init = repo.sortie(['init']);
    expect(init.code, init.stderr).toBe(0);
    expect(repo.read('.git/sortie/hooks.env')).toContain('sortie_prefilter=0');
  });
  for (const c of cases().filter((x) => x.kept)) it(c.name, () => run(c));
});

describe('cherry-pick and revert run no commit-msg hook', () => {
  it('are recorded through post-commit, not guarded; one that stops on a conflict is guarded when it is committed', () => {
    // A commit naming TASK-1 made without the guard, on a side branch.
    repo.git('checkout', '-q', '-b', 'side');
    stage(repo, 'side.txt');
    expect(gitRun(repo, ['commit', '-q', '-m', 'TASK-1: side work'], { env: { SORTIE_SKIP: '1' } }).code).toBe(0);
    const picked = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', 'main');
    const cp = gitRun(repo, ['cherry-pick', picked], { env: a.env });
    expect(cp.code, cp.stderr).toBe(0);
    expect(cp.stderr).not.toContain('sortie');
    // post-commit ran: the commit is recorded for the agent, with the task its message names.
    expect(recorded(repo, repo.git('rev-parse', 'HEAD'))).toEqual([{ mission_id: a.id, tasks: '["TASK-1"]' }]);
    const rv = gitRun(repo, ['revert', '--no-edit', 'HEAD'], { env: a.env });
    expect(rv.code, rv.stderr).toBe(0);
    expect(rv.stderr).not.toContain('sortie');
    expect(recorded(repo, repo.git('rev-parse', 'HEAD'))).toEqual([{ mission_id: a.id, tasks: '["TASK-1"]' }]);

    // A conflicting cherry-pick is finished with `git commit`, which runs commit-msg: guarded.
    repo.git('checkout', '-q', 'side');
    repo.write('clash.txt', 'side\n');
    repo.git('add', 'clash.txt');
    expect(gitRun(repo, ['commit', '-q', '-m', 'TASK-1: clash'], { env: { SORTIE_SKIP: '1' } }).code).toBe(0);
    const clash = repo.git('rev-parse', 'HEAD');
    repo.git('checkout', '-q', 'main');
    repo.write('clash.txt', 'main\n');
    repo.git('add', 'clash.txt');
    expect(gitRun(repo, ['commit', '-q', '-m', 'main side of the clash']).code).toBe(0);
    expect(gitRun(repo, ['cherry-pick', clash], { env: a.env }).code).not.toBe(0);
    repo.write('clash.txt', 'both\n');
    repo.git('add', 'clash.txt');
    const done = gitRun(repo, ['commit', '--no-edit'], { env: { ...a.env, GIT_EDITOR: ':' } });
    expect(done.code, done.stderr).toBe(1);
    expect(done.stderr).toContain('sortie: commit blocked (commit-msg)');
    gitRun(repo, ['cherry-pick', '--abort']);
  });
});
