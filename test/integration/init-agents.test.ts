/**
 * `sortie init` / `uninstall` / `doctor` for every agent in the registry: which agents init sets
 * up (--agent, else the ones the repository uses, else Claude Code), each config merged and
 * removed exactly, and each trust gate: doctor fails while an agent will not run sortie's hooks,
 * `init --trust` meets the gate in the user's own agent config (Codex through its app-server,
 * with the real CLI), and doctor then passes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, test } from 'vitest';
import { codexAvailability } from '../helpers/agents/codex.js';
import { makeRepo, type TempRepo } from '../helpers/repo.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(): { repo: TempRepo; home: string; env: Record<string, string> } {
  const repo = makeRepo({ name: 'init-agents' });
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-init-home-')));
  cleanups.push(() => repo.cleanup(), () => rmSync(home, { recursive: true, force: true }));
  // The user's agent homes live in HOME (cleanEnv drops the runner's CODEX_*, GEMINI_*, COPILOT_*).
  return { repo, home, env: { HOME: home } };
}

type Finding = { check: string; level: string; message: string; fix?: string };
const doctor = (repo: TempRepo, env: Record<string, string>) => {
  const r = repo.sortie(['doctor', '--json'], { env });
  return { code: r.code, findings: r.json<{ findings: Finding[] }>().findings };
};
const finding = (fs: Finding[], check: string) => fs.find((f) => f.check === check);

const GEMINI_USER = { hooks: { SessionStart: [{ hooks: [{ type: 'command', name: 'banner', command: 'echo {}', timeout: 2000 }] }] }, ui: { theme: 'Dracula' }, model: { name: 'gemini-2.5-pro' } };

describe('which agents init sets up', () => {
  test("the ones whose config the repository has; each config merged, a second init changes nothing, uninstall restores every file exactly", () => {
    const { repo, env } = setup();
    const geminiText = `${JSON.stringify(GEMINI_USER, null, 2)}\n`;
    repo.write('.gemini/settings.json', geminiText);
    repo.write('.codex/config.toml', 'model = "o3"\n');
    repo.write('.github/copilot-instructions.md', '# house rules\n');
    const r = repo.sortie(['init', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = r.json<{ agents: { name: string; found: string[] }[]; changes: { file: string; action: string }[]; notes: string[] }>();
    expect(out.agents.map((a) => [a.name, a.found])).toEqual([
      ['codex', ['.codex']],
      ['gemini-cli', ['.gemini']],
      ['copilot-cli', [join('.github', 'copilot-instructions.md')]],
    ]);
    const agentFiles = ['.claude/settings.json', '.codex/hooks.json', '.gemini/settings.json', '.github/hooks/sortie.json'];
    expect(out.changes.filter((c) => agentFiles.includes(c.file)).map((c) => [c.file, c.action])).toEqual([
      ['.codex/hooks.json', 'create'],
      ['.gemini/settings.json', 'update'],
      ['.github/hooks/sortie.json', 'create'],
    ]);
    expect(existsSync(join(repo.dir, '.claude'))).toBe(false);

    // Gemini: the user's hooks and keys kept in place, sortie's entries added with a matcher where it needs one.
    const gemini = JSON.parse(repo.read('.gemini/settings.json'));
    expect(Object.keys(gemini)).toEqual(['hooks', 'ui', 'model']);
    expect(gemini.hooks.SessionStart[0]).toEqual(GEMINI_USER.hooks.SessionStart[0]);
    expect(gemini.hooks.SessionStart[1].hooks[0]).toMatchObject({ type: 'command', name: 'sortie-SessionStart', command: expect.stringContaining('gemini-cli SessionStart'), timeout: 10000 });
    expect(gemini.hooks.BeforeTool[0]).toMatchObject({ matcher: 'run_shell_command', hooks: [{ command: expect.stringContaining('gemini-cli BeforeTool') }] });
    expect(Object.keys(gemini.hooks)).toEqual(['SessionStart', 'BeforeAgent', 'AfterAgent', 'BeforeTool', 'AfterTool', 'PreCompress', 'SessionEnd']);
    // Codex: seconds, SessionEnd within its 3 s clamp.
    const codex = JSON.parse(repo.read('.codex/hooks.json'));
    expect(Object.keys(codex.hooks)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop', 'PreCompact', 'SessionEnd']);
    expect(codex.hooks.SessionEnd[0].hooks[0]).toMatchObject({ type: 'command', command: expect.stringContaining('codex SessionEnd'), timeout: 3 });
    // Copilot: its own flat format.
    const copilot = JSON.parse(repo.read('.github/hooks/sortie.json'));
    expect(copilot.version).toBe(1);
    expect(Object.keys(copilot.hooks)).toEqual(['sessionStart', 'userPromptSubmitted', 'agentStop', 'preToolUse', 'preCompact', 'sessionEnd']);
    expect(copilot.hooks.preToolUse).toEqual([{ type: 'command', bash: expect.stringContaining('copilot-cli preToolUse'), timeoutSec: 10 }]);

    const snapshot = ['.gemini/settings.json', '.codex/hooks.json', '.github/hooks/sortie.json'].map((f) => repo.read(f));
    const again = repo.sortie(['init'], { env });
    expect(again.stdout).toContain('nothing to change');
    expect(['.gemini/settings.json', '.codex/hooks.json', '.github/hooks/sortie.json'].map((f) => repo.read(f))).toEqual(snapshot);

    const un = repo.sortie(['uninstall'], { env });
    expect(un.code, un.stderr).toBe(0);
    expect(repo.read('.gemini/settings.json')).toBe(`${JSON.stringify(GEMINI_USER, null, 2)}\n`);
    expect(existsSync(join(repo.dir, '.codex', 'hooks.json'))).toBe(false);
    expect(repo.read('.codex/config.toml')).toBe('model = "o3"\n');
    expect(existsSync(join(repo.dir, '.github', 'hooks'))).toBe(false);
    expect(repo.read('.github/copilot-instructions.md')).toBe('# house rules\n');
  });

  test('--agent chooses (repeatable, aliases accepted); an unknown name is a usage error; with nothing found, Claude Code and how to add others', () => {
    const { repo, env } = setup();
    const bad = repo.sortie(['init', '--agent', 'cursorr'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown agent "cursorr"');
    expect(bad.stderr).toContain('codex');
    expect(existsSync(join(repo.dir, '.sortierc.json'))).toBe(false);

    const chosen = repo.sortie(['init', '--no-git', '--agent', 'copilot', '--agent', 'gemini'], { env });
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(existsSync(join(repo.dir, '.github', 'hooks', 'sortie.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.gemini', 'settings.json'))).toBe(true);
    expect(existsSync(join(repo.dir, '.claude'))).toBe(false);
    expect(chosen.stdout).toContain("Copilot CLI will not run sortie's hooks until you trust them once");
    expect(chosen.stdout).toContain('sortie init --trust');

    const other = setup();
    const plain = other.repo.sortie(['init', '--no-git'], { env: other.env });
    expect(plain.code, plain.stderr).toBe(0);
    expect(existsSync(join(other.repo.dir, '.claude', 'settings.json'))).toBe(true);
    expect(plain.stdout).toContain('no agent config found here, so sortie set up Claude Code; for another agent: sortie init --agent <name> (codex, gemini-cli, opencode, copilot-cli, pi, cursor)');
  });
});

describe('trust gates: doctor fails while an agent will not run the hooks; init --trust meets the gate in the user\'s own config', () => {
  test('Gemini CLI: its trustedFolders.json', () => {
    const { repo, home, env } = setup();
    expect(repo.sortie(['init', '--agent', 'gemini-cli'], { env }).code).toBe(0);
    const before = doctor(repo, env);
    expect(before.code).toBe(1);
    expect(finding(before.findings, 'gemini hooks')).toMatchObject({ level: 'ok' });
    expect(finding(before.findings, 'gemini trust')).toMatchObject({ level: 'error', message: expect.stringContaining('is not trusted'), fix: expect.stringContaining('start `gemini` in this folder once') });
    // Gemini's own environment switch counts, where it is set.
    expect(finding(doctor(repo, { ...env, GEMINI_CLI_TRUST_WORKSPACE: 'true' }).findings, 'gemini trust')?.level).toBe('ok');

    const file = join(home, '.gemini', 'trustedFolders.json');
    const trusted = repo.sortie(['init', '--agent', 'gemini-cli', '--trust'], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain(`Gemini CLI: trusted this folder in ${file}`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ [repo.dir]: 'TRUST_FOLDER' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const after = doctor(repo, env);
    expect(finding(after.findings, 'gemini trust')).toMatchObject({ level: 'ok', message: expect.stringContaining('TRUST_FOLDER') });
    expect(after.code, JSON.stringify(after.findings)).toBe(0);
    // A longer DO_NOT_TRUST rule wins, as in Gemini.
    writeFileSync(file, JSON.stringify({ [join(repo.dir, '..')]: 'TRUST_FOLDER', [repo.dir]: 'DO_NOT_TRUST' }));
    expect(finding(doctor(repo, env).findings, 'gemini trust')?.level).toBe('error');
    // Trusted, but hooks turned off in the user's settings: configured, and still not run.
    writeFileSync(file, JSON.stringify({ [repo.dir]: 'TRUST_FOLDER' }));
    const userSettings = join(home, '.gemini', 'settings.json');
    writeFileSync(userSettings, JSON.stringify({ hooksConfig: { enabled: false } }));
    expect(finding(doctor(repo, env).findings, 'gemini trust')).toMatchObject({ level: 'error', message: expect.stringContaining('hooksConfig.enabled: false'), fix: `remove "enabled": false from hooksConfig in ${userSettings}` });
  });

  test('Copilot CLI: trustedFolders in its config.json (its comment header kept)', () => {
    const { repo, home, env } = setup();
    expect(repo.sortie(['init', '--agent', 'copilot-cli'], { env }).code).toBe(0);
    const before = doctor(repo, env);
    expect(before.code).toBe(1);
    expect(finding(before.findings, 'copilot trust')).toMatchObject({ level: 'error', message: expect.stringContaining("skips the repository's hooks"), fix: expect.stringContaining('start `copilot` in this folder once') });
    // The file as Copilot writes it.
    const file = join(home, '.copilot', 'config.json');
    const header = '// User settings belong in settings.json.\n// This file is managed automatically.';
    writeFile(file, `${header}\n${JSON.stringify({ firstLaunchAt: '2026-01-01T00:00:00.000Z', trustedFolders: ['/elsewhere'] }, null, 2)}\n`);
    const trusted = repo.sortie(['init', '--agent', 'copilot-cli', '--trust'], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain(`Copilot CLI: trusted this folder in ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(`${header}\n{`)).toBe(true);
    expect(JSON.parse(text.slice(header.length))).toEqual({ firstLaunchAt: '2026-01-01T00:00:00.000Z', trustedFolders: ['/elsewhere', repo.dir] });
    const after = doctor(repo, env);
    expect(finding(after.findings, 'copilot trust')).toMatchObject({ level: 'ok' });
    expect(after.code, JSON.stringify(after.findings)).toBe(0);
  });

  const codex = codexAvailability();
  test.skipIf(!codex.ok)(`Codex ${codex.version ?? ''}: the project and each hook, asked of and recorded by the real \`codex app-server\``, () => {
    const { repo, home, env } = setup();
    expect(repo.sortie(['init', '--agent', 'codex'], { env }).code).toBe(0);
    const before = doctor(repo, env);
    expect(before.code).toBe(1);
    expect(finding(before.findings, 'codex trust')).toMatchObject({ level: 'error', message: expect.stringContaining('Codex does not trust the project'), fix: expect.stringContaining('/hooks') });
    const trusted = repo.sortie(['init', '--agent', 'codex', '--trust'], { env });
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toContain(`Codex: trusted this project in ${join(home, '.codex', 'config.toml')}; trusted 5 sortie hooks`);
    const toml = readFileSync(join(home, '.codex', 'config.toml'), 'utf8');
    expect(toml).toContain(`[hooks.state."${repo.dir}/.codex/hooks.json:session_start:0:0"]`);
    const after = doctor(repo, env);
    expect(finding(after.findings, 'codex trust')).toMatchObject({ level: 'ok', message: "the project and sortie's 5 hooks are trusted" });
    expect(after.code, JSON.stringify(after.findings)).toBe(0);
    // A changed command (a new sortie) is a hook Codex no longer runs: doctor says so.
    const hooks = repo.read('.codex/hooks.json').replace('codex Stop', 'codex Stop ');
    repo.write('.codex/hooks.json', hooks);
    expect(finding(doctor(repo, env).findings, 'codex trust')).toMatchObject({ level: 'error', message: expect.stringContaining('modified since they were trusted') });
  }, 120_000);
});

function writeFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
