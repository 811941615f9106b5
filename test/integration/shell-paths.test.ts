// One scenario: no shell evaluates a path or a value sortie writes for a shell. A repository whose
// path is full of shell metacharacters gets a real SessionStart (the shim and the agent's env
// file), and both are then used the way an agent uses them, by `sh`. Everything sortie creates
// there, under a umask of 000, is not writable by others.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, HOOK, cleanEnv } from '../helpers/repo.js';

const NAME = `it's a "repo" $HOME \`touch pwned-1\` $(touch pwned-2) & ; | \\ *`;
const SESSION = `s'$(touch pwned-3)"\`touch pwned-4\``;

let base: string;
let dir: string;
const env = cleanEnv({ SORTIE_TEST: '1' });

/** Runs a command under `umask 000`, so the modes sortie sets are the only thing that protects its files. */
function permissive(cmd: string, args: string[], o: { cwd: string; env: Record<string, string>; input?: string }) {
  return spawnSync('sh', ['-c', 'umask 000; exec "$@"', 'sh', cmd, ...args], { cwd: o.cwd, env: o.env, input: o.input ?? '', encoding: 'utf8' });
}

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-shell-paths-')));
  dir = join(base, NAME);
  mkdirSync(dir);
  const git = (...a: string[]) => execFileSync('git', a, { cwd: dir, env, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'T');
  git('config', 'user.email', 't@example.com');
  git('commit', '-q', '--allow-empty', '-m', 'initial');
  const init = permissive(process.execPath, [BIN, 'init', '--no-git'], { cwd: dir, env });
  expect(init.status, init.stderr).toBe(0);
  expect(permissive(process.execPath, [BIN, 'task', 'new', 'Login'], { cwd: dir, env }).status).toBe(0);
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const pwned = () => [base, dir, process.cwd()].flatMap((d) => readdirSync(d).filter((f) => f.startsWith('pwned')));

describe('a repository path full of shell metacharacters', () => {
  let envFile: string;
  let mission: number;

  it('SessionStart writes a shim and an env file that sh reads as text', () => {
    envFile = join(dir, 'claude env.sh');
    const r = permissive(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
      cwd: dir,
      env: { ...env, CLAUDE_PROJECT_DIR: dir, CLAUDE_ENV_FILE: envFile, CLAUDE_CODE_SESSION_ID: SESSION },
      input: JSON.stringify({ session_id: SESSION, cwd: dir, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    expect(r.status, r.stderr).toBe(0);
    mission = Number(/mission #(\d+)/.exec(JSON.parse(r.stdout).hookSpecificOutput.additionalContext)?.[1]);
    expect(mission).toBeGreaterThan(0);
    expect(pwned()).toEqual([]);
  });

  it('the env file, sourced by sh, exports the values as they are and puts the shim on PATH', () => {
    const out = spawnSync('sh', ['-c', '. "$1" && printf "%s\\n%s\\n" "$SORTIE_SESSION" "$SORTIE_MISSION" && command -v sortie', 'sh', envFile], { cwd: dir, env, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const [session, exported, shim] = out.stdout.split('\n');
    const missionId = () => mission;
    expect(exported).toBe(String(missionId()));
    expect(session).toBe(SESSION);
    expect(shim).toBe(join(dir, '.git', 'sortie', 'bin', 'sortie'));
    expect(pwned()).toEqual([]);
  });

  it('the shim runs this sortie, as the mission the env file names', () => {
    const out = spawnSync('sh', ['-c', '. "$1" && sortie task claim TASK-1 --json', 'sh', envFile], { cwd: dir, env, encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ task: { id: 'TASK-1', holder: { mission } }, already: false });
    const version = spawnSync(join(dir, '.git', 'sortie', 'bin', 'sortie'), ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pwned()).toEqual([]);
  });

  it('nothing sortie created is writable by others, though the umask was 000', () => {
    // A heartbeat and an end (queue and beat files), and a journal, under the same umask.
    for (const [event, extra] of [['UserPromptSubmit', { prompt: 'hi' }], ['SessionEnd', { reason: 'other' }]] as const) {
      const r = permissive(process.execPath, [HOOK, 'claude-code', event], {
        cwd: dir,
        env: { ...env, CLAUDE_PROJECT_DIR: dir },
        input: JSON.stringify({ session_id: SESSION, cwd: dir, hook_event_name: event, ...extra }),
      });
      expect(r.status, r.stderr).toBe(0);
    }
    expect(readdirSync(join(dir, '.git', 'sortie', 'pending')).length).toBeGreaterThan(0);
    const loose: string[] = [];
    const walk = (p: string) => {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) return;
      if (st.mode & 0o002) loose.push(`${p.slice(dir.length)} ${(st.mode & 0o777).toString(8)}`);
      if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    };
    walk(join(dir, '.git', 'sortie'));
    walk(join(dir, '.sortie'));
    expect(existsSync(join(dir, '.sortie', 'missions'))).toBe(true);
    expect(loose).toEqual([]);
    expect(lstatSync(join(dir, '.git', 'sortie', 'bin', 'sortie')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dir, '.git', 'sortie', 'bin', 'sortie'), 'utf8')).toMatch(/^#!\/bin\/sh\nexec '[^']+' '[^']+' "\$@"\n$/);
  });
});
