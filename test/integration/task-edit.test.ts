// `sortie task edit`: only the keys asked for change; every other byte of the file stays.
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { dbOf, makeRepo } from '../helpers/repo.js';

const ORIGINAL = [
  '---',
  'id: TASK-1',
  "title: 'Parse the config'   # keep this comment",
  'status: TODO          # TODO UNDERWAY BLOCKED',
  'x-owner: team-a       # an unknown key, kept',
  'priority: low',
  'labels:',
  '  - config',
  '  - parser',
  '# a comment line inside the front matter',
  'created: 2026-11-01T10:00:00.000Z',
  'extra: {nested: [1, 2]}',
  '---',
  '',
  '## Notes',
  '',
  'Body text with a --- line below.',
  '---',
  '',
].join('\n');

describe('sortie task edit', () => {
  const repo = makeRepo({ name: 'task-edit' });
  afterAll(() => repo.cleanup());
  const FILE = '.sortie/tasks/TASK-1-parse.md';

  it('changes title, priority, labels and dependencies in place, keeping every other line byte for byte', () => {
    repo.write(FILE, ORIGINAL);
    expect(repo.sortie(['task', 'new', 'Dependency']).code).toBe(0); // TASK-2
    const r = repo.sortie(['task', 'edit', 'TASK-1', '--title', 'Parse the config: strictly', '-p', 'high', '--label', 'strict', '--remove-label', 'config', '--depends-on', 'TASK-2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json().changed).toEqual(['title', 'priority', 'labels', 'depends_on']);
    expect(repo.read(FILE)).toBe(
      ORIGINAL.replace("title: 'Parse the config'   # keep this comment", 'title: "Parse the config: strictly"   # keep this comment')
        .replace('priority: low', 'priority: high')
        .replace('  - config\n  - parser', '  - parser\n  - strict')
        .replace('extra: {nested: [1, 2]}\n---', 'extra: {nested: [1, 2]}\ndepends_on: [TASK-2]\n---'),
    );
    // Re-indexed: the CLI sees the new values at once.
    const show = repo.sortie(['task', 'show', 'TASK-1', '--json']).json().task;
    expect(show).toMatchObject({ title: 'Parse the config: strictly', priority: 'high', labels: ['parser', 'strict'], dependsOn: ['TASK-2'] });
    inspect(dbOf(repo), (d) => {
      expect(d.prepare("SELECT title, priority FROM tasks WHERE id = 'TASK-1'").get()).toEqual({ title: 'Parse the config: strictly', priority: 'high' });
      expect(JSON.parse(d.prepare("SELECT detail FROM activity WHERE kind = 'task.edited'").pluck().get() as string)).toEqual({ fields: ['title', 'priority', 'labels', 'depends_on'] });
    });
  });

  it('replaces the body and removes a dependency, and says when nothing changed', () => {
    const before = repo.read(FILE);
    const r = repo.sortie(['task', 'edit', 'TASK-1', '--no-depends-on', 'TASK-2', '--body', 'New body.\n\nSecond paragraph.']);
    expect(r.code, r.stderr).toBe(0);
    const head = before.slice(0, before.indexOf('\n---\n') + 5);
    expect(repo.read(FILE)).toBe(`${head.replace('depends_on: [TASK-2]', 'depends_on: []')}\nNew body.\n\nSecond paragraph.\n`);
    const again = repo.sortie(['task', 'edit', 'TASK-1', '--label', 'parser']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed');
  });

  it('keeps CRLF line endings and flow-style lists', () => {
    repo.write('.sortie/tasks/TASK-3.md', '---\r\nid: TASK-3\r\ntitle: Windows file\r\nlabels: [a, b]  # flow\r\n---\r\n\r\nBody.\r\n');
    const r = repo.sortie(['task', 'edit', 'TASK-3', '--label', 'c', '--title', 'Still Windows']);
    expect(r.code, r.stderr).toBe(0);
    expect(repo.read('.sortie/tasks/TASK-3.md')).toBe('---\r\nid: TASK-3\r\ntitle: Still Windows\r\nlabels: [a, b, c]  # flow\r\n---\r\n\r\nBody.\r\n');
  });

  it('refuses a dependency cycle, an unknown or invalid id, and an empty edit, writing nothing', () => {
    expect(repo.sortie(['task', 'edit', 'TASK-2', '--depends-on', 'TASK-3']).code).toBe(0);
    const before = [repo.read(FILE), repo.read('.sortie/tasks/TASK-3.md')];
    const cycle = repo.sortie(['task', 'edit', 'TASK-3', '--depends-on', 'TASK-1', '--depends-on', 'TASK-2', '--json']);
    expect(cycle.code).toBe(2);
    expect(cycle.json().error).toMatchObject({ code: 'USAGE', cycle: ['TASK-3', 'TASK-2', 'TASK-3'] });
    const self = repo.sortie(['task', 'edit', 'TASK-1', '--depends-on', 'TASK-1']);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('would be a dependency cycle');
    const unknownDep = repo.sortie(['task', 'edit', 'TASK-1', '--depends-on', 'TASK-99']);
    expect(unknownDep.code).toBe(3);
    expect(unknownDep.stderr).toContain('no task TASK-99');
    const unknownTask = repo.sortie(['task', 'edit', 'TASK-42', '--title', 'x']);
    expect(unknownTask.code).toBe(3);
    expect(repo.sortie(['task', 'edit', '../etc', '--title', 'x']).code).toBe(2);
    expect(repo.sortie(['task', 'edit', 'TASK-1', '--priority', 'urgent']).code).toBe(2);
    expect(repo.sortie(['task', 'edit', 'TASK-1', '--title', ' \n ']).code).toBe(2);
    const empty = repo.sortie(['task', 'edit', 'TASK-1']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('nothing to edit');
    expect([repo.read(FILE), repo.read('.sortie/tasks/TASK-3.md')]).toEqual(before);
  });
});
