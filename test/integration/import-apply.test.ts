/**
 * What every source shares: nothing half-written stays behind, the command's usage, and how the
 * imported handoff sits beside sortie's own missions in the start-up context.
 */
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, test } from 'vitest';
import { count, dbRows, sessionStart, treeState } from '../helpers/import/common.js';
import { buildOverstory } from '../helpers/import/overstory.js';
import { buildSessions } from '../helpers/import/sessions.js';
import { buildSiteNine } from '../helpers/import/site-nine.js';
import { dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function repoWith(build: (repo: TempRepo) => void, preset?: string): TempRepo {
  const repo = makeRepo({ name: 'import-apply' });
  cleanups.push(() => repo.cleanup());
  build(repo);
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  if (preset) repo.write('.sortierc.json', JSON.stringify({ extends: preset }));
  expect(repo.sortie(['status']).code).toBe(0);
  return repo;
}

/** A real failure in the middle of the import's transaction: the database refuses one mission. */
function refuseMission(repo: TempRepo, codename: string): void {
  const db = new Database(dbOf(repo));
  db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON missions WHEN NEW.codename = '${codename}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;`);
  db.close();
}

const deadPid = () => Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);

describe('sortie import: all or nothing', () => {
  test('a failure inside the transaction removes the task files this run wrote and leaves no row', () => {
    const repo = repoWith(buildSiteNine, 'site-nine');
    refuseMission(repo, 'void-matrix');
    const tree = treeState(repo.dir);
    const rows = dbRows(repo);
    const r = repo.sortie(['import', 'site-nine', '--apply']);
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('refused by the test');
    expect(treeState(repo.dir)).toEqual(tree);
    expect(dbRows(repo)).toEqual(rows);
    expect(count(repo, 'SELECT COUNT(*) FROM imports')).toBe(0);
  });

  test('... and puts back the task files it changed', () => {
    const repo = repoWith(() => undefined);
    expect(repo.sortie(['task', 'new', 'Login redirect', '--prefix', 'AUTH']).code).toBe(0);
    expect(repo.sortie(['task', 'new', 'Session cookie', '--prefix', 'AUTH']).code).toBe(0);
    const fx = buildOverstory(repo, { deadPid: deadPid(), livePid: deadPid(), liveSince: '2026-03-02T00:00:00.000Z', liveTask: 'AUTH-2', pastTask: 'AUTH-1' });
    fx.writer.close();
    expect(repo.sortie(['import', 'overstory', '--json']).json().change).toHaveLength(2);
    refuseMission(repo, 'builder-2');
    const tree = treeState(repo.dir);
    const r = repo.sortie(['import', 'overstory', '--apply']);
    expect(r.code).toBe(70);
    // The same files with the same bytes (the two task files were rewritten, then put back).
    const bytes = (t: ReturnType<typeof treeState>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.sha256]));
    expect(bytes(treeState(repo.dir))).toEqual(bytes(tree));
    expect(count(repo, 'SELECT COUNT(*) FROM missions WHERE source IS NOT NULL')).toBe(0);
  });
});

describe('sortie import: the command', () => {
  test('--help documents the dry-run convention; an unknown source is a usage error with a suggestion', () => {
    const repo = repoWith(() => undefined);
    const help = repo.sortie(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sortie import <source> [path] [options]');
    expect(help.stdout).toContain('--apply');
    expect(help.stdout).toContain('write what the plan says (without it, nothing is written)');
    const bad = repo.sortie(['import', 'sesions']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown source "sesions" (did you mean "sessions"?)');
    const none = repo.sortie(['import', 'overstory']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('found no overstory data in this repository (looked for .overstory/sessions.db, .overstory/sessions.json)');
    expect(none.stderr).toContain('sortie import overstory <path>');
  });

  test('the imported handoff is shown until a newer mission on the branch has its own', () => {
    const repo = repoWith(buildSessions);
    expect(repo.sortie(['import', 'sessions', '--apply']).code).toBe(0);
    // A session file has no name of its own: the imported mission gets this clone's codename for its id.
    const imported = repo.sortie(['mission', 'list', '--all', '--json']).json().missions.find((m: { source: string | null; endedAt: string }) => m.source?.startsWith('sessions:') && m.endedAt.startsWith('2025-12-07T09:15'));
    expect(imported.codename).toMatch(/^[a-z]+-[a-z]+$/);
    expect(sessionStart(repo, 'first')).toContain(`From ${imported.codename} (claude-code, ended 2025-12-07T09:15Z, abandoned, imported from sessions)`);
    const mission = repo.sortie(['mission', 'list', '--json']).json().missions.find((m: { sessionId: string }) => m.sessionId === 'first');
    const end = repo.sortie(['mission', 'end', String(mission.id), '--handoff', 'Fallback wired in; flag on in staging.']);
    expect(end.code, end.stderr).toBe(0);
    const next = sessionStart(repo, 'second');
    expect(next).toContain(`From ${mission.codename} (claude-code, ended`);
    expect(next).toContain('Fallback wired in; flag on in staging.');
    expect(next).not.toContain('imported from sessions):');
  });
});
