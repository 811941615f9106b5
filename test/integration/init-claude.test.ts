/**
 * `sortie init` / `uninstall` / `doctor` and the project's `.claude/settings.json`: sortie's entries
 * are merged in without touching anything else, a second init changes nothing, uninstall puts the
 * file back exactly, and doctor sees the install and its absence.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { GLOBAL_BIN, makeRepo, type TempRepo } from '../helpers/repo.js';

const EVENTS = ['SessionStart', 'SessionEnd', 'PreCompact', 'UserPromptSubmit', 'Stop'];

const repos: TempRepo[] = [];
afterEach(() => {
  while (repos.length) repos.pop()!.cleanup();
});

function repo(): TempRepo {
  const r = makeRepo({ name: 'init-claude' });
  repos.push(r);
  return r;
}

const ORIGINAL = {
  $schema: 'https://json.schemastore.org/claude-code-settings.json',
  permissions: { allow: ['Bash(npm test:*)'], deny: ['Read(./.env)'] },
  model: 'opus',
  hooks: {
    SessionStart: [{ matcher: 'startup', hooks: [{ type: 'command', command: 'echo "team banner"', timeout: 3 }] }],
    PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '"$CLAUDE_PROJECT_DIR"/scripts/check-bash.sh' }] }],
    Stop: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }],
  },
  env: { FOO: 'bar' },
};

interface Entry {
  type: string;
  command: string;
  timeout?: number;
}
type Settings = { hooks: Record<string, { matcher?: string; hooks: Entry[] }[]>; [k: string]: unknown };

const settingsFile = (r: TempRepo) => join(r.dir, '.claude', 'settings.json');
const readSettings = (r: TempRepo) => JSON.parse(readFileSync(settingsFile(r), 'utf8')) as Settings;
const sortieEntries = (s: Settings, event: string) => (s.hooks[event] ?? []).flatMap((g) => g.hooks).filter((h) => h.command.includes('# sortie-hook'));

function init(r: TempRepo, ...args: string[]) {
  const res = r.sortie(['init', ...args]);
  expect(res.code, res.stderr).toBe(0);
  return res;
}

describe('sortie init and .claude/settings.json', () => {
  test('keeps every existing hook and key, adds one entry per event, and a second init changes nothing', () => {
    const r = repo();
    const originalText = `${JSON.stringify(ORIGINAL, null, 4)}\n`;
    r.write('.claude/settings.json', originalText);
    init(r);
    const s = readSettings(r);
    // Everything that was there is still there, in place.
    const { hooks: _h, ...rest } = s;
    const { hooks: _o, ...origRest } = ORIGINAL;
    expect(rest).toEqual(origRest);
    expect(Object.keys(s)).toEqual(Object.keys(ORIGINAL));
    for (const [event, groups] of Object.entries(ORIGINAL.hooks)) {
      expect(s.hooks[event]!.slice(0, groups.length)).toEqual(groups);
    }
    // One sortie entry per event, with an explicit timeout, calling the project's install with node
    // directly, else the global `sortie-hook`, and naming nothing of this machine.
    for (const event of EVENTS) {
      const entries = sortieEntries(s, event);
      expect(entries, event).toHaveLength(1);
      const e = entries[0]!;
      expect(e.type).toBe('command');
      expect(e.command).toContain(`claude-code ${event}`);
      expect(e.command).toContain('f="$CLAUDE_PROJECT_DIR/node_modules/sortie/dist/hook.cjs"');
      expect(e.command).toContain(`exec sortie-hook claude-code ${event}`);
      expect(e.command).not.toContain(r.dir);
      expect(e.command).not.toContain('/work/');
      expect(e.command).toMatch(/exec node /);
      expect(e.command).not.toMatch(/\bnpx\b/);
      expect(typeof e.timeout).toBe('number');
    }
    const end = sortieEntries(s, 'SessionEnd')[0]!;
    expect(end.timeout).toBeGreaterThanOrEqual(2); // raises Claude Code's 1.5 s SessionEnd budget
    expect(end.timeout).toBeLessThanOrEqual(60);

    const before = readFileSync(settingsFile(r));
    const again = init(r);
    expect(again.stdout).toContain('nothing to change');
    expect(readFileSync(settingsFile(r)).equals(before)).toBe(true);
    const json = init(r, '--json').json<{ changed: boolean; changes: unknown[] }>();
    expect(json).toMatchObject({ changed: false, changes: [] });
    expect(readFileSync(settingsFile(r)).equals(before)).toBe(true);
  });

  test('the installed command runs the hook through the sortie-hook on PATH (a global install), and says one line when there is none', () => {
    const r = repo();
    init(r);
    const cmd = sortieEntries(readSettings(r), 'SessionStart')[0]!.command;
    const payload = JSON.stringify({ session_id: 'cmd-1', cwd: r.dir, hook_event_name: 'SessionStart', source: 'startup' });
    const ok = spawnSync('/bin/sh', ['-c', cmd], { cwd: r.dir, env: { ...r.env, CLAUDE_PROJECT_DIR: r.dir }, input: payload, encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).hookSpecificOutput.hookEventName).toBe('SessionStart');
    const path = (r.env.PATH ?? '').split(':').filter((d) => d !== GLOBAL_BIN).join(':');
    const missing = spawnSync('/bin/sh', ['-c', cmd], { cwd: r.dir, env: { ...r.env, PATH: path, CLAUDE_PROJECT_DIR: r.dir }, input: payload, encoding: 'utf8' });
    expect(missing.status).toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/sortie: not installed here \(npm i -D sortie in a JavaScript project, or npm i -g sortie\)/);
  });

  test('uninstall restores the settings file exactly', () => {
    const r = repo();
    r.write('.claude/settings.json', `${JSON.stringify(ORIGINAL, null, 2)}\n`);
    init(r);
    const un = r.sortie(['uninstall']);
    expect(un.code, un.stderr).toBe(0);
    expect(readSettings(r)).toEqual(ORIGINAL);
    expect(JSON.stringify(readSettings(r))).toBe(JSON.stringify(ORIGINAL)); // key order too
  });

  test('uninstall removes a settings file that init created', () => {
    const r = repo();
    init(r);
    expect(existsSync(settingsFile(r))).toBe(true);
    const un = r.sortie(['uninstall', '--json']);
    expect(un.code, un.stderr).toBe(0);
    expect(un.json<{ changed: boolean }>().changed).toBe(true);
    expect(existsSync(settingsFile(r))).toBe(false);
    expect(existsSync(join(r.dir, '.claude'))).toBe(false);
  });

  test('uninstall keeps a settings file that existed before, even when sortie was its only content since', () => {
    const r = repo();
    r.write('.claude/settings.json', '{}\n');
    init(r);
    expect(r.sortie(['uninstall']).code).toBe(0);
    expect(readFileSync(settingsFile(r), 'utf8')).toBe('{}\n');
  });

  test('a user group with no hooks yet is kept through init and uninstall', () => {
    const r = repo();
    const original = { hooks: { SessionStart: [{ matcher: 'resume', hooks: [] }] } };
    r.write('.claude/settings.json', JSON.stringify(original));
    init(r);
    expect(readSettings(r).hooks.SessionStart![0]).toEqual({ matcher: 'resume', hooks: [] });
    expect(r.sortie(['uninstall']).code).toBe(0);
    expect(readSettings(r)).toEqual(original);
  });

  test('invalid JSON in settings.json: a clear error, the file untouched', () => {
    const r = repo();
    const broken = '{ "hooks": { "SessionStart": [ ,] }, // trailing comment\n';
    r.write('.claude/settings.json', broken);
    const res = r.sortie(['init']);
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toContain('.claude/settings.json');
    expect(res.stderr).toMatch(/not valid JSON/);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(settingsFile(r), 'utf8')).toBe(broken);
    const un = r.sortie(['uninstall']);
    expect(readFileSync(settingsFile(r), 'utf8')).toBe(broken);
    expect(un.stderr).not.toMatch(/\n\s+at /);
  });

  test('doctor: ok after init; reports the missing entries with the fix `sortie init`; --json parses', () => {
    const r = repo();
    r.write('.claude/settings.json', JSON.stringify(ORIGINAL));
    init(r);
    const ok = r.sortie(['doctor', '--json']);
    const report = ok.json<{ ok: boolean; findings: { check: string; level: string; message: string; fix?: string }[] }>();
    const claude = report.findings.find((f) => f.check === 'claude hooks');
    expect(claude, JSON.stringify(report)).toMatchObject({ level: 'ok' });
    expect(claude!.message).toContain(`the global sortie-hook (${GLOBAL_BIN}/sortie-hook)`);
    const text = r.sortie(['doctor']);
    expect(text.stdout).toMatch(/ok\s+claude hooks:/);

    // Someone removes sortie's entries by hand.
    const s = readSettings(r);
    for (const event of ['SessionEnd', 'Stop']) {
      s.hooks[event] = s.hooks[event]!.map((g) => ({ ...g, hooks: g.hooks.filter((h) => !h.command.includes('# sortie-hook')) })).filter((g) => g.hooks.length);
      if (!s.hooks[event]!.length) delete s.hooks[event];
    }
    writeFileSync(settingsFile(r), JSON.stringify(s, null, 2));
    const bad = r.sortie(['doctor', '--json']);
    expect(bad.code).toBe(1);
    const badReport = bad.json<{ ok: boolean; findings: { check: string; level: string; message: string; fix?: string }[] }>();
    expect(badReport.ok).toBe(false);
    expect(badReport.findings.find((f) => f.check === 'claude hooks')).toMatchObject({
      level: 'error',
      message: expect.stringMatching(/SessionEnd, Stop/),
      fix: 'sortie init',
    });
    const badText = r.sortie(['doctor']);
    expect(badText.code).toBe(1);
    expect(badText.stdout).toMatch(/FAIL claude hooks: not installed for SessionEnd, Stop\n\s+fix: sortie init/);

    // And init puts them back without duplicating the others.
    init(r);
    const fixed = readSettings(r);
    for (const event of EVENTS) expect(sortieEntries(fixed, event)).toHaveLength(1);
    expect(r.sortie(['doctor', '--json']).json<{ findings: { check: string; level: string }[] }>().findings.find((f) => f.check === 'claude hooks')?.level).toBe('ok');
  });
});
