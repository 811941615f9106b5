import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { TaskParseError, parseTask } from '../../dist/tasks/parse.js';
import { resolveConfig } from '../../dist/config/load.js';
import { ROOT, makeRepo, taskFile } from '../helpers/repo.js';

const config = resolveConfig({}, 'test');
const canary = join(tmpdir(), `sortie-canary-${process.pid}`);
const G = globalThis as { __sortieCanary?: number };

// Front matter that, if evaluated, writes a file and sets a global.
const jsTask = (lang: string) =>
  `---${lang}\n{ id: "AUTH-9", title: (require("fs").writeFileSync(${JSON.stringify(canary)}, "ran"), globalThis.__sortieCanary = 1, "pwned") }\n---\nbody\n`;

afterEach(() => {
  rmSync(canary, { force: true });
  delete G.__sortieCanary;
});

describe('gray-matter safety', () => {
  it('the canary is real: gray-matter with its default engines would run it', () => {
    // In a child process, so the code runs there and never in the test runner.
    const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(ROOT, 'node_modules', 'gray-matter'))})(require('fs').readFileSync(0, 'utf8'))`], {
      input: jsTask('js'),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(existsSync(canary)).toBe(true);
  });

  it.each(['js', 'javascript', ' js', 'coffee', 'JS'])('a ---%s task file is refused as a problem and never runs', (lang) => {
    let err: unknown;
    try {
      parseTask(jsTask(lang), '/repo/.sortie/tasks/AUTH-9-x.md', config);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TaskParseError);
    expect((err as TaskParseError).path).toBe('/repo/.sortie/tasks/AUTH-9-x.md');
    expect((err as TaskParseError).line).toBe(1);
    expect((err as Error).message).toContain(`front matter in "${lang.trim().toLowerCase()}" is not allowed`);
    expect(existsSync(canary)).toBe(false);
    expect(G.__sortieCanary).toBeUndefined();
  });

  it('a yaml task parses into its fields', () => {
    const t = parseTask(taskFile('AUTH-3', { title: 'Fix it', status: 'underway', priority: 'P1', labels: '[a, b]', depends_on: 'AUTH-1, AUTH-2' }, 'Body.'), '/r/AUTH-3-fix.md', config);
    expect(t).toMatchObject({ id: 'AUTH-3', title: 'Fix it', status: 'UNDERWAY', priority: 'high', labels: ['a', 'b'], dependsOn: ['AUTH-1', 'AUTH-2'] });
    expect(t.body.trim()).toBe('Body.');
  });

  it.each([
    ['no front matter', 'just text\n', 1, 'no front matter'],
    ['unknown status', taskFile('AUTH-3', { title: 'x', status: 'DOING' }), 4, 'unknown status "DOING"'],
    ['bad priority', taskFile('AUTH-3', { title: 'x', priority: 'urgent' }), 4, 'unknown priority "urgent"'],
    ['missing title', taskFile('AUTH-3', { status: 'TODO' }), 1, 'missing "title"'],
    ['id not matching the file', taskFile('AUTH-4', { title: 'x' }), 2, 'file name must start with the task id "AUTH-4"'],
    ['id off pattern', taskFile('auth-3', { title: 'x' }), 2, 'does not match the task id pattern'],
  ])('%s is a parse error with its line', (_name, text, line, msg) => {
    try {
      parseTask(text, '/r/AUTH-3-fix.md', config);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TaskParseError);
      expect((e as TaskParseError).line).toBe(line);
      expect((e as Error).message).toContain(msg);
    }
  });

  it.each([
    ['bad indentation', '---\nid: AUTH-3\ntitle: ok\n  status: TODO\npriority: high\n---\n', 4],
    ['nested mapping on one line', '---\nid: AUTH-3\ntitle: ok\nfoo: bar: baz\n---\n', 4],
    ['duplicated key', '---\nid: AUTH-3\ntitle: ok\nstatus: TODO\ntitle: again\n---\n', 5],
  ])('malformed YAML (%s) names the exact line of the file', (_name, text, line) => {
    try {
      parseTask(text, '/r/AUTH-3-x.md', config);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TaskParseError);
      expect((e as TaskParseError).line).toBe(line);
      expect((e as Error).message).toMatch(new RegExp(`^/r/AUTH-3-x\\.md:${line}: invalid YAML front matter: `));
    }
  });
});

describe('unreadable task files in a real repo', () => {
  const repo = makeRepo({ name: 'parse' });
  afterAll(() => repo.cleanup());

  it('are reported with path and line and skipped; the other tasks still list, exit 0', () => {
    repo.write('.sortie/tasks/AUTH-1-good.md', taskFile('AUTH-1', { title: 'Good one', status: 'TODO', priority: 'high' }));
    repo.write('.sortie/tasks/AUTH-2-broken.md', '---\nid: AUTH-2\ntitle: Broken\nstatus: TODO\n  priority: high\n---\n');
    repo.write('.sortie/tasks/AUTH-3-code.md', jsTask('js').replace('AUTH-9', 'AUTH-3'));
    repo.write('.sortie/tasks/AUTH-4-also-good.md', taskFile('AUTH-4', { title: 'Also good' }));

    const r = repo.sortie(['task', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('AUTH-1');
    expect(r.stdout).toContain('AUTH-4');
    expect(r.stdout).not.toContain('AUTH-2');
    expect(r.stdout).not.toContain('AUTH-3');
    expect(r.stderr).toContain('sortie: skipped .sortie/tasks/AUTH-2-broken.md:5: invalid YAML front matter: bad indentation of a mapping entry');
    expect(r.stderr).toContain('sortie: skipped .sortie/tasks/AUTH-3-code.md:1: front matter in "js" is not allowed: task files are data, never code');
    expect(existsSync(canary)).toBe(false);

    const j = repo.sortie(['task', 'list', '--json']);
    expect(j.code).toBe(0);
    expect(j.json().tasks.map((t: { id: string }) => t.id)).toEqual(['AUTH-1', 'AUTH-4']);
    const s = repo.sortie(['status', '--json']).json();
    expect(s.problems).toEqual([
      { path: '.sortie/tasks/AUTH-2-broken.md', line: 5, message: 'invalid YAML front matter: bad indentation of a mapping entry' },
      { path: '.sortie/tasks/AUTH-3-code.md', line: 1, message: 'front matter in "js" is not allowed: task files are data, never code' },
    ]);
    // Named directly, the broken file is a refusal (exit 1) with its path, not an internal error.
    const show = repo.sortie(['task', 'show', 'AUTH-3', '--json']);
    expect(show.code).toBe(1);
    expect(show.json().error).toMatchObject({ code: 'TASK_PARSE', task: 'AUTH-3', line: 1, path: join(repo.dir, '.sortie/tasks/AUTH-3-code.md') });
    const claim = repo.sortie(['task', 'claim', 'AUTH-2']);
    expect(claim.code).toBe(1);
    expect(claim.stderr).toContain(`sortie: ${join(repo.dir, '.sortie/tasks/AUTH-2-broken.md')}:5: invalid YAML front matter`);
    expect(existsSync(canary)).toBe(false);
  });
});
