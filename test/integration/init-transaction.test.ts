/**
 * init and uninstall as transactions, in one repository with a team's own files (a tab-indented
 * package.json with CRLF line ends, an executable husky hook, Claude Code settings): a failure
 * injected at each write k = 1..N of init leaves the repository exactly as it was (every file's
 * bytes and mode, .git/config included); an init killed at each write is undone by uninstall; a
 * finished init is undone by uninstall byte for byte; a refused init writes nothing.
 * The steps share the repository and run in order.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;

/**
 * Every file and folder under the repository, .git included: path, mode, and a hash of the bytes.
 * With `data: false`, sortie's data (the database and its queue), which uninstall keeps, is left out.
 */
function snapshot(dir: string, o: { data?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (o.data === false && /^\.git\/sortie($|\/(sortie\.db|pending|beats))/.test(relative(dir, p))) continue;
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      if (e.isDirectory()) {
        out[`${relative(dir, p)}/`] = mode;
        walk(p);
      } else out[relative(dir, p)] = `${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`;
    }
  };
  walk(dir);
  return out;
}

const PKG = '{\r\n\t"name": "team-app",\r\n\t"version": "1.0.0",\r\n\t"files": ["dist", "bin"],\r\n\t"scripts": {\r\n\t\t"build": "tsc"\r\n\t}\r\n}\r\n';
const HOOK = '#!/bin/sh\nnpx lint-staged\n';
const SETTINGS = '{\n    "model": "opus"\n}\n';

beforeAll(() => {
  repo = makeRepo({ name: 'init-tx' });
  repo.write('package.json', PKG);
  repo.write('.husky/pre-commit', HOOK);
  chmodSync(join(repo.dir, '.husky', 'pre-commit'), 0o755);
  repo.write('.claude/settings.json', SETTINGS);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'team files');
});

afterAll(() => repo?.cleanup());

describe('init and uninstall are transactions', () => {
  let writes = 0;

  test('a failure at every write k = 1..N of init leaves every file, mode and git config as it was', () => {
    const before = snapshot(repo.dir);
    for (let k = 1; k < 100; k++) {
      const r = repo.sortie(['init'], { env: { SORTIE_TEST_FAIL_WRITE: String(k) } });
      if (r.code === 0) {
        writes = k - 1;
        break;
      }
      expect(r.stderr, `k=${k}`).toContain(`test: write ${k} failed`);
      expect(snapshot(repo.dir), `after a failure at write ${k}`).toEqual(before);
    }
    // The init that went through (its k was past the last write) is undone for the next step;
    // the database it made stays, as uninstall keeps sortie's data.
    expect(writes).toBeGreaterThan(8);
    const un = repo.sortie(['uninstall']);
    expect(un.code, un.stderr).toBe(0);
    expect(snapshot(repo.dir, { data: false })).toEqual(before);
    expect(snapshot(repo.dir)['.git/sortie/sortie.db']).toBeDefined();
  });

  test('an init killed at any write is undone by uninstall, byte for byte', () => {
    const before = snapshot(repo.dir);
    let killed = 0;
    for (let k = 1; k < 100; k++) {
      const r = repo.sortie(['init'], { env: { SORTIE_TEST_FAIL_WRITE: `${k}:kill` } });
      if (r.code === 0) break; // past the last write (fewer than the first time: the database is there now)
      expect(r.code, `k=${k}: ${r.stderr}`).toBe(null); // killed
      killed++;
      const un = repo.sortie(['uninstall']);
      expect(un.code, un.stderr).toBe(0);
      expect(snapshot(repo.dir), `after init killed at write ${k}, then uninstall`).toEqual(before);
    }
    expect(killed).toBeGreaterThan(writes - 4);
    expect(repo.sortie(['uninstall']).code).toBe(0);
    expect(snapshot(repo.dir)).toEqual(before);
  });

  test('a finished init edits package.json by one member, keeps the hook executable, and uninstall restores everything exactly', () => {
    const before = snapshot(repo.dir);
    const r = repo.sortie(['init']);
    expect(r.code, r.stderr).toBe(0);
    expect(repo.read('package.json')).toBe(PKG.replace('"build": "tsc"\r\n', '"build": "tsc",\r\n\t\t"prepare": "sortie prepare || exit 0"\r\n'));
    expect(lstatSync(join(repo.dir, '.husky', 'pre-commit')).mode & 0o777).toBe(0o755);
    expect(repo.read('.husky/pre-commit').startsWith(HOOK)).toBe(true);
    const un = repo.sortie(['uninstall']);
    expect(un.code, un.stderr).toBe(0);
    expect(snapshot(repo.dir)).toEqual(before);
  });

  test('a refused init (a lefthook.yml not installed yet) writes nothing and names the manager', () => {
    repo.write('lefthook.yml', 'pre-push:\n  commands:\n    test:\n      run: npm test\n');
    const before = snapshot(repo.dir);
    const r = repo.sortie(['init']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('lefthook (configured in lefthook.yml, not installed on this clone yet)');
    expect(r.stderr).toContain('sortie init --wire');
    expect(r.stderr).not.toContain(repo.dir);
    expect(snapshot(repo.dir)).toEqual(before);
    expect(repo.read('.git/config')).not.toContain('hooksPath');
  });
});
