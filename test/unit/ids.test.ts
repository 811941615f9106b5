import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertTaskId, idPrefix, referenceRegex } from '../../dist/tasks/ids.js';
import { resolveConfig } from '../../dist/config/load.js';
import { SortieError } from '../../dist/errors.js';
import { makeRepo } from '../helpers/repo.js';

const config = resolveConfig({}, 'test');
// A pattern that would accept anything: the explicit path checks must still hold.
const permissive = resolveConfig({ tasks: { idPattern: '.+' } }, 'test');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof SortieError ? e.code : `not a SortieError: ${String(e)}`;
  }
}

describe('task id validation', () => {
  it('accepts ids of the configured pattern', () => {
    expect(assertTaskId('AUTH-1', config)).toBe('AUTH-1');
    expect(assertTaskId('WEB2-700', config)).toBe('WEB2-700');
  });

  const bad = ['../x', 'AUTH-1/../../etc', 'AUTH-1\0', 'AUTH\0-1', 'A'.repeat(60) + '-1234', '', 'auth-1', 'AUTH-1 ', '.AUTH-1', 'AUTH-1\\x', 'AUTH-1..'];
  it.each(bad.map((b) => [JSON.stringify(b), b]))('rejects %s with the default pattern', (_label, id) => {
    expect(codeOf(() => assertTaskId(id, config))).toBe('TASK_INVALID_ID');
  });

  it.each(['../x', 'AUTH-1/../../etc', 'a\0b', '-rf', '.hidden', 'x'.repeat(65), 'a\\b'].map((b) => [JSON.stringify(b), b]))(
    'rejects %s even when the pattern accepts anything',
    (_label, id) => {
      expect(codeOf(() => assertTaskId(id, permissive))).toBe('TASK_INVALID_ID');
    },
  );

  it('names the bad id printably (no raw NUL or escape) and exits 2', () => {
    try {
      assertTaskId('AUTH\0-1\x1b[31m', config);
      expect.unreachable();
    } catch (e) {
      const err = e as SortieError;
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain('"AUTH?-1?[31m"');
      expect(err.message).not.toMatch(/[\x00-\x1f]/);
    }
  });

  it('finds references with word boundaries, case-sensitively', () => {
    const text = 'fix AUTH-12 and WEB-3, not xAUTH-1, AUTH-12a, auth-9 or UTF-8? well UTF-8 matches the shape';
    expect(text.match(referenceRegex(config))).toEqual(['AUTH-12', 'WEB-3', 'UTF-8', 'UTF-8']);
    expect(idPrefix('OPR-H-0032')).toBe('OPR');
  });
});

describe('sortie task show with a hostile id', () => {
  const repo = makeRepo({ name: 'ids' });
  afterAll(() => repo.cleanup());

  it.each([['../x'], ['AUTH-1/../../etc'], ['A'.repeat(80) + '-1']])('exits 2 for %s and touches nothing', (id) => {
    const parent = dirname(repo.dir);
    const r = repo.sortie(['task', 'show', id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a task id');
    expect(r.stdout).toBe('');
    // Nothing was created next to or inside the worktree from the id.
    for (const p of [join(parent, 'x'), join(parent, 'x.md'), join(repo.dir, '.sortie', 'x.md'), join(parent, 'etc'), join(repo.dir, 'etc')]) expect(existsSync(p), p).toBe(false);
    expect(readdirSync(repo.dir).sort()).toEqual(['.git', 'README.md']);
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
    expect(existsSync(join(repo.dir, '.sortie'))).toBe(false);
  });

  it('refuses the same ids on every command that takes one, with exit 2', () => {
    for (const verb of ['claim', 'release', 'done', 'abort', 'block', 'pause', 'review']) {
      const r = repo.sortie(['task', verb, '../x', '--json']);
      expect(r.code, verb).toBe(2);
      expect(r.json().error.code, verb).toBe('TASK_INVALID_ID');
    }
    const h = repo.sortie(['task', 'handoff', '../x', '--note', 'n', '--json']);
    expect(h.code).toBe(2);
    expect(h.json().error.code).toBe('TASK_INVALID_ID');
    const n = repo.sortie(['task', 'new', 'T', '--depends-on', '../x', '--json']);
    expect(n.code).toBe(2);
    expect(n.json().error.code).toBe('TASK_INVALID_ID');
    expect(repo.git('status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
