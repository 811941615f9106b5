// One scenario: a git worktree shares the database with its main checkout.
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspect } from '../helpers/db.js';
import { agentMissions } from '../helpers/missions.js';
import { makeRepo } from '../helpers/repo.js';

const repo = makeRepo({ name: 'worktree' });
const parent = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-wt-')));
const wt = join(parent, 'feature');
afterAll(() => {
  repo.cleanup();
  rmSync(parent, { recursive: true, force: true });
});

describe('a worktree and its main checkout', () => {
  it('share <git common dir>/sortie/sortie.db; a claim in the worktree is held as seen from main', () => {
    expect(repo.sortie(['task', 'new', 'Shared work', '-p', 'high']).code).toBe(0);
    repo.git('add', '.sortie');
    repo.git('commit', '-q', '-m', 'add task');
    repo.git('worktree', 'add', '-q', '-b', 'feature', wt);

    const inWt = (args: string[], env: Record<string, string> = {}) => repo.sortie(args, { cwd: wt, env });
    const common = realpathSync(resolve(wt, repo.git('-C', wt, 'rev-parse', '--git-common-dir')));
    expect(common).toBe(join(repo.dir, '.git'));
    const dbFile = join(common, 'sortie', 'sortie.db');
    expect(existsSync(dbFile)).toBe(true);

    const [agent] = agentMissions(dbFile, 1);
    const claim = inWt(['task', 'claim', 'TASK-1', '--json'], { SORTIE_MISSION: String(agent!.id) });
    expect(claim.code).toBe(0);
    // Only one database exists: none was created for the worktree.
    expect(existsSync(join(common, 'worktrees', 'feature', 'sortie'))).toBe(false);
    expect(existsSync(join(wt, '.git', 'sortie'))).toBe(false);
    expect(inspect(dbFile, (d) => d.prepare('SELECT task_id, mission_id FROM claims WHERE released_at IS NULL').all())).toEqual([{ task_id: 'TASK-1', mission_id: agent!.id }]);
    // The status change is in the worktree's file, not main's.
    expect(repo.git('-C', wt, 'diff', '--name-only')).toBe('.sortie/tasks/TASK-1-shared-work.md');
    expect(repo.git('diff', '--name-only')).toBe('');

    const show = repo.sortie(['task', 'show', 'TASK-1', '--json']);
    expect(show.code).toBe(0);
    expect(show.json().task.holder).toMatchObject({ mission: agent!.id, codename: agent!.codename });
    const mine = repo.sortie(['task', 'claim', 'TASK-1', '--json']);
    expect(mine.code).toBe(1);
    expect(mine.json().error).toMatchObject({ code: 'CLAIM_HELD', holder: { codename: agent!.codename, agent: 'claude-code' } });
    const status = repo.sortie(['status', '--json']).json();
    expect(status.missions.find((m: { id: number }) => m.id === agent!.id).claims).toEqual([{ task: 'TASK-1', mission: agent!.id, codename: agent!.codename, agent: 'claude-code', since: expect.any(String) }]);

    // The other way round: done in the worktree, free as seen from main.
    expect(inWt(['task', 'done', 'TASK-1'], { SORTIE_MISSION: String(agent!.id) }).code).toBe(0);
    expect(repo.sortie(['task', 'show', 'TASK-1', '--json']).json().task.holder).toBeNull();
    expect(inspect(dbFile, (d) => d.prepare("SELECT COUNT(*) FROM activity WHERE kind = 'task.claimed'").pluck().get())).toBe(1);

    // SORTIE_DB overrides the location for both.
    const other = join(parent, 'other.db');
    expect(inWt(['task', 'list', '--json'], { SORTIE_DB: other }).code).toBe(0);
    expect(existsSync(other)).toBe(true);
    expect(inspect(other, (d) => d.prepare('SELECT COUNT(*) FROM claims').pluck().get())).toBe(0);
  });
});
