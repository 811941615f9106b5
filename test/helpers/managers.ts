/**
 * sortie the way each package manager's users get it: the `npm pack` tarball installed with the
 * real npm, pnpm, yarn (berry) or bun, each installed from the npm registry into a folder of this
 * checkout (node_modules/.cache/sortie-test-tools, once per machine; nothing global). A tool that
 * cannot be installed fails the test: CI must not skip it.
 *
 * better-sqlite3 compiles from source at every install here (about a minute): this machine
 * reaches no host but the registry, so its prebuilt binary cannot be downloaded, and node-gyp finds
 * Node's headers where npm is set to find them (`nodedir`), passed to every manager.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cleanEnv, GLOBAL_BIN, ROOT, toResult, type Result } from './repo.js';

const TOOLS = join(ROOT, 'node_modules', '.cache', 'sortie-test-tools');

/** Installs an npm package into its own folder under TOOLS (once) and returns the path of one of its bins. */
export function tool(spec: string, bin: string): string {
  const dir = join(TOOLS, spec.replace(/[^A-Za-z0-9.@-]/g, '_'));
  const path = join(dir, 'node_modules', '.bin', bin);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  // A tool's postinstall may set itself up in "the project" (lefthook and simple-git-hooks run
  // their install in the enclosing git repository: this checkout). The ceiling stops git's search
  // at TOOLS, so they find no repository and change nothing.
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', spec], { cwd: dir, encoding: 'utf8', env: { ...cleanEnv(), GIT_CEILING_DIRECTORIES: TOOLS } });
  if (r.status !== 0 || !existsSync(path)) throw new Error(`could not install ${spec} from the npm registry (this test needs it; CI must not skip it):\n${r.stderr}`);
  return path;
}

/** `nodedir` from npm's config, for node-gyp under every manager (see above). */
function nodedir(): string | undefined {
  const r = spawnSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8' });
  const v = r.stdout.trim();
  return r.status === 0 && v && v !== 'undefined' && v !== 'null' ? v : undefined;
}

/** A temp folder holding the packed tarball (sortie.tgz) and, beside it, the repositories. */
export function packedWorkspace(name: string): { dir: string; tarball: string; cleanup(): void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `sortie-${name}-`)));
  // --ignore-scripts: dist/ is built already (test/global-setup.ts), and `prepare` would rebuild it
  // under the other test files running now.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, stdio: 'ignore' });
  const packed = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
  const tarball = join(dir, 'sortie.tgz');
  execFileSync('mv', [join(dir, packed), tarball]);
  return { dir, tarball, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a project's commands: no global sortie (the project's own install must do), the tools on PATH. */
export function projectEnv(toolBins: string[]): Record<string, string> {
  // As a user's shell has it: none of this checkout's node_modules/.bin folders (npx put them on
  // the test runner's PATH; a build script then finds this checkout's tools instead of its own).
  const path = [...toolBins, ...(process.env.PATH ?? '').split(':').filter((d) => d && d !== GLOBAL_BIN && !d.includes('/node_modules/'))].join(':');
  // CI is left out: managers change their defaults under it (yarn's immutable installs); the
  // tests pass the flags they mean instead, so a run here and in CI is the same.
  const env = cleanEnv({ PATH: path, SORTIE_TEST: '1', CI: undefined, npm_config_nodedir: nodedir(), YARN_ENABLE_TELEMETRY: '0', YARN_ENABLE_PROGRESS_BARS: 'false' });
  for (const k of Object.keys(env)) if (k.startsWith('npm_') && k !== 'npm_config_nodedir') delete env[k];
  return env;
}

export function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Result {
  return toResult(spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 }));
}

/** A git repository with a local identity, signing and gc off. */
export function gitRepo(dir: string, env: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const args of [['init', '-q', '-b', 'main'], ['config', 'user.name', 'Test Person'], ['config', 'user.email', 'person@example.com'], ['config', 'commit.gpgsign', 'false'], ['config', 'gc.auto', '0']]) {
    execFileSync('git', args, { cwd: dir, env });
  }
}

export function configure(dir: string, env: Record<string, string>): void {
  for (const args of [['config', 'user.name', 'Teammate'], ['config', 'user.email', 'teammate@example.com'], ['config', 'commit.gpgsign', 'false'], ['config', 'gc.auto', '0']]) {
    execFileSync('git', args, { cwd: dir, env });
  }
}

/**
 * Every file and folder under `dir` with its mode and a hash of its bytes, leaving out what a
 * package manager or git owns (node_modules, .yarn, git's objects, index and logs) and sortie's
 * data, which uninstall keeps (the database and its queue).
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const skip = /^(node_modules|\.yarn|\.git\/(objects|refs|logs|index|COMMIT_EDITMSG|ORIG_HEAD|HEAD)|\.git\/sortie($|\/(sortie\.db|pending|beats)))/;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip.test(rel)) continue;
      const mode = (lstatSync(p).mode & 0o7777).toString(8);
      if (e.isDirectory()) {
        out[`${rel}/`] = mode;
        walk(p);
      } else out[rel] = `${mode} ${createHash('sha256').update(readFileSync(p)).digest('hex').slice(0, 16)}`;
    }
  };
  walk(dir);
  return out;
}

/** Stages a change and commits through the installed hooks. */
export function commitIn(dir: string, env: Record<string, string>, message: string): Result {
  writeFileSync(join(dir, 'work.txt'), `${message} ${Date.now()} ${Math.random()}\n`, { flag: 'a' });
  execFileSync('git', ['add', 'work.txt'], { cwd: dir, env });
  return run('git', ['commit', '-q', '-m', message], dir, env);
}

export function commits(dir: string, env: Record<string, string>): number {
  return Number(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, env, encoding: 'utf8' }).trim());
}

/** Runs the SessionStart command line of the committed .claude/settings.json, as Claude Code does: `sh -c`. */
export function sessionStart(dir: string, env: Record<string, string>, sessionId: string): Result {
  const settings = JSON.parse(readFileSync(join(dir, '.claude', 'settings.json'), 'utf8')) as { hooks: Record<string, { hooks: { command: string }[] }[]> };
  const command = settings.hooks.SessionStart!.flatMap((g) => g.hooks).find((h) => h.command.includes('# sortie-hook'))!.command;
  const payload = JSON.stringify({ session_id: sessionId, cwd: dir, hook_event_name: 'SessionStart', source: 'startup' });
  return toResult(spawnSync('sh', ['-c', command], { cwd: dir, env: { ...env, CLAUDE_PROJECT_DIR: dir }, input: payload, encoding: 'utf8' }));
}
