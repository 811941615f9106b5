// Completion scripts, sourced in the real shells and asked for completions.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VISIBLE } from '../../dist/commands/specs.js';
import { BIN, makeRepo } from '../helpers/repo.js';

const repo = makeRepo({ name: 'completion' });
afterAll(() => repo.cleanup());
// `sortie` on PATH, as after an install: the scripts call `sortie __complete tasks`.
const binDir = join(repo.dir, '..', `${repo.dir.split('/').pop()}-bin`);
mkdirSync(binDir, { recursive: true });
writeFileSync(join(binDir, 'sortie'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
chmodSync(join(binDir, 'sortie'), 0o755);
afterAll(() => spawnSync('rm', ['-rf', binDir]));
const env = { ...repo.env, PATH: `${binDir}:${process.env.PATH}` };

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
/** In CI the shells are installed by .ci/run: a missing one is a failure there, not a skip. */
function shellOrSkip(shell: string): boolean {
  if (has(shell)) return true;
  if (process.env.CI) throw new Error(`${shell} is not installed (CI installs it: see .ci/run)`);
  console.warn(`${shell} is not installed: its completion test is skipped (apt-get install -y ${shell})`);
  return false;
}

function script(shell: string): string {
  const r = repo.sortie(['completion', shell]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

describe('bash', () => {
  const file = join(binDir, 'sortie.bash');
  /** Sources the script in a real bash and runs the completion function for each line. */
  function complete(...lines: string[][]): string[][] {
    writeFileSync(file, script('bash'));
    const calls = lines
      .map((words) => `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _sortie; printf '%s\\n' "\${COMPREPLY[@]}" | sort; echo '<<end>>'`)
      .join('\n');
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(file)}\n${calls}`], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    return r.stdout.split('<<end>>\n').slice(0, -1).map((s) => s.split('\n').filter(Boolean));
  }

  it('completes commands, subcommands, task ids, flag values and choices', () => {
    for (const t of ['Login', 'Logout', 'Signup']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
    const [top, task, claimId, depends, shells, titleValue, taskId2, partial, prefix] = complete(
      ['sortie', ''],
      ['sortie', 'task', 'cl'],
      ['sortie', 'task', 'claim', ''],
      ['sortie', 'task', 'new', '--depends-on', ''],
      ['sortie', 'completion', ''],
      ['sortie', 'task', 'edit', 'TASK-1', '--title', ''],
      ['sortie', 'task', 'edit', '-p', 'high', ''],
      ['sortie', 'st'],
      ['sortie', 'task', 'show', 'TASK-'],
    );
    expect(top).toEqual(expect.arrayContaining(['status', 'ready', 'next', 'task', 'mission', 'completion', 'log']));
    expect(top).not.toContain('__complete');
    expect(task).toEqual(['claim']);
    expect(claimId).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
    expect(depends).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
    expect(shells).toEqual(['bash', 'fish', 'zsh']);
    expect(titleValue).toEqual([]);
    expect(taskId2).toEqual(['TASK-1', 'TASK-2', 'TASK-3']); // the flag's value is skipped
    expect(partial).toEqual(['status']);
    expect(prefix).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
  });

  it('offers exactly the flags of the command table for every command', () => {
    const visible = VISIBLE;
    const got = complete(...visible.map((c) => ['sortie', ...c.name.split(' '), '-']));
    visible.forEach((c, i) => {
      const want = [...Object.entries(c.options).flatMap(([k, o]) => [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]), '--help', '-h'].sort();
      expect(got[i], c.name).toEqual(want);
    });
  });
});

describe('zsh', () => {
  it('parses, and loads into a zsh with compinit', () => {
    if (!shellOrSkip('zsh')) return;
    const file = join(binDir, '_sortie.zsh');
    writeFileSync(file, script('zsh'));
    const parse = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(parse.status, parse.stderr).toBe(0);
    const load = spawnSync('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source ${JSON.stringify(file)} && print -r -- $_comps[sortie]`], { cwd: repo.dir, env, encoding: 'utf8' });
    expect(load.status, load.stderr).toBe(0);
    expect(load.stdout.trim()).toBe('_sortie');
  });
});

describe('fish', () => {
  it('parses, and completes commands, flags and task ids (complete -C)', () => {
    if (!shellOrSkip('fish')) return;
    const file = join(binDir, 'sortie.fish');
    writeFileSync(file, script('fish'));
    const parse = spawnSync('fish', ['--no-execute', file], { encoding: 'utf8' });
    expect(parse.status, parse.stderr).toBe(0);
    const ask = (line: string) => {
      const r = spawnSync('fish', ['--no-config', '-c', `source ${JSON.stringify(file)}; complete -C ${JSON.stringify(line)}`], { cwd: repo.dir, env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
    };
    expect(ask('sortie task cl')).toEqual(['claim']);
    expect(ask('sortie task claim ')).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
    expect(ask('sortie task new --depends-on ')).toEqual(['TASK-1', 'TASK-2', 'TASK-3']);
    expect(ask('sortie task claim --')).toEqual(['--force', '--help', '--json']);
    expect(ask('sortie completion ').sort()).toEqual(['bash', 'fish', 'zsh']);
  });
});
