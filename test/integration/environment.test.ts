// One scenario per environment problem, with real ones: a database and folders that an
// unprivileged user cannot write (the tests run as root, so the commands run as `nobody` through
// setpriv), a read-only file system (a read-only bind mount), a full disk (a small tmpfs), and
// `.sortie/tasks` being a file. Each gets its own message with the fix and exit code 4, never
// "internal error"; reading commands still work on a database they cannot write.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, HOOK, ROOT, makeRepo, toResult, type Result, type TempRepo } from '../helpers/repo.js';
import { agentMissions } from '../helpers/missions.js';

const isRoot = process.getuid?.() === 0;
const setpriv = spawnSync('setpriv', ['--version']).status === 0;
/** Whether this machine lets the tests mount (a tmpfs, a bind mount): root with CAP_SYS_ADMIN. */
function canMount(): string | undefined {
  if (!isRoot) return 'not root';
  const d = mkdtempSync(join(tmpdir(), 'sortie-mount-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { encoding: 'utf8' });
    if (r.status !== 0) return `mount refused: ${r.stderr.trim()}`;
    spawnSync('umount', [d]);
    return undefined;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
const noMount = canMount();

function expectEnvironment(r: Result, what: RegExp): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(4);
  expect(r.stderr).toMatch(what);
  expect(r.stderr).toContain('fix:');
  expect(r.stderr).not.toContain('internal error');
}

function seed(repo: TempRepo): void {
  expect(repo.sortie(['init', '--no-git']).code).toBe(0);
  for (const t of ['Login', 'Signup']) expect(repo.sortie(['task', 'new', t]).code).toBe(0);
}

/**
 * The built package where `nobody` can read it. The checkout itself when it can; else (a checkout
 * under a private folder, as a CI clone in a mktemp dir is) a copy of what runs (bin, dist, the
 * presets and the runtime dependencies, hard-linked where the file system allows) in a folder of
 * its own, removed by the caller.
 */
function readableByNobody(): { bin: string; hook: string; dir?: string } {
  const probe = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(BIN)})`]);
  if (probe.status === 0) return { bin: BIN, hook: HOOK };
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-pkg-')));
  chmodSync(dir, 0o755);
  const copy = (rel: string) => {
    try {
      execFileSync('cp', ['-al', join(ROOT, rel), join(dir, rel)], { stdio: 'ignore' });
    } catch {
      cpSync(join(ROOT, rel), join(dir, rel), { recursive: true });
    }
  };
  mkdirSync(join(dir, 'node_modules'), { mode: 0o755 });
  for (const rel of ['package.json', 'bin', 'dist', 'presets', 'hooks', 'schema']) if (existsSync(join(ROOT, rel))) copy(rel);
  // The runtime dependencies, followed from package.json (npm installs them flat).
  const seen = new Set<string>();
  const follow = (pkgJson: string) => {
    const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (seen.has(name) || !existsSync(join(ROOT, 'node_modules', name, 'package.json'))) continue;
      seen.add(name);
      if (name.startsWith('@')) mkdirSync(join(dir, 'node_modules', name.split('/')[0]!), { recursive: true, mode: 0o755 });
      copy(join('node_modules', name));
      follow(join(ROOT, 'node_modules', name, 'package.json'));
    }
  };
  follow(join(ROOT, 'package.json'));
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  return { bin: join(dir, 'bin', 'sortie.js'), hook: join(dir, 'dist', 'hook.cjs'), dir };
}

describe.skipIf(!isRoot || !setpriv)(`a database and folders the user cannot write (as nobody)${!isRoot ? ' (skipped: not root)' : !setpriv ? ' (skipped: no setpriv)' : ''}`, () => {
  let repo: TempRepo;
  let pkg: ReturnType<typeof readableByNobody>;
  const asNobody = (args: string[], input?: string, bin = pkg.bin, env: Record<string, string> = {}) =>
    toResult(
      spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, bin, ...args], {
        cwd: repo.dir,
        // git refuses a repository owned by someone else unless told it is safe.
        env: { ...repo.env, HOME: '/tmp', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*', ...env },
        input: input ?? '',
        encoding: 'utf8',
      }),
    );

  beforeAll(() => {
    pkg = readableByNobody();
    repo = makeRepo({ name: 'read-only' });
    seed(repo);
    const [m] = agentMissions(join(repo.dir, '.git', 'sortie', 'sortie.db'), 1, { sessionPrefix: 'ro' });
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: { SORTIE_MISSION: String(m!.id) } }).code).toBe(0);
    // Something queued, for the note that it was not applied.
    mkdirSync(join(repo.dir, '.git', 'sortie', 'pending'), { recursive: true });
    writeFileSync(join(repo.dir, '.git', 'sortie', 'pending', 'end-1-1'), `${JSON.stringify({ type: 'end', agent: 'claude-code', session: 'ro-1', reason: 'other', at: new Date().toISOString() })}\n`);
    // Readable by everyone, writable by root only.
    execFileSync('chmod', ['-R', 'a+rX,go-w', repo.dir]);
    for (let d = repo.dir; d !== '/' && d !== tmpdir(); d = join(d, '..')) chmodSync(d, 0o755);
  });
  afterAll(() => {
    repo?.cleanup();
    if (pkg?.dir) rmSync(pkg.dir, { recursive: true, force: true });
  });

  it.each([
    [['task', 'list'], 'TASK-1'],
    [['status'], 'TASK-2'],
    [['mission', 'list', '--all'], 'claude-code'],
    [['log'], 'task.claimed'],
    [['task', 'show', 'TASK-1'], 'Login'],
  ])('%j works read-only, and says what it could not apply', (args, shows) => {
    const r = asNobody(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(shows);
    expect(r.stderr).toContain('is read-only for you');
    expect(r.stderr).toContain('queued was not applied');
  });

  it('a command that writes says the database is read-only, with the fix, exit 4', () => {
    expectEnvironment(asNobody(['task', 'claim', 'TASK-2']), /read-only/);
    expectEnvironment(asNobody(['task', 'new', 'More']), /read-only|permission denied/);
  });

  it('SessionStart gives one honest line of context and exits 0', () => {
    const r = asNobody(['claude-code', 'SessionStart'], JSON.stringify({ session_id: 'nobody-1', cwd: repo.dir, hook_event_name: 'SessionStart', source: 'startup' }), pkg.hook, { CLAUDE_PROJECT_DIR: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    const context = JSON.parse(r.stdout).hookSpecificOutput.additionalContext as string;
    expect(context).toMatch(/not recorded|cannot be written|read-only/);
  });
});

describe.skipIf(Boolean(noMount))(`a read-only file system${noMount ? ` (skipped: ${noMount})` : ''}`, () => {
  let repo: TempRepo;
  let state: string;
  beforeAll(() => {
    repo = makeRepo({ name: 'erofs' });
    seed(repo);
    state = join(repo.dir, '.git', 'sortie');
    execFileSync('mount', ['--bind', state, state]);
    execFileSync('mount', ['-o', 'remount,ro,bind', state]);
  });
  afterAll(() => {
    spawnSync('umount', [state]);
    repo?.cleanup();
  });

  it('reading works; writing says read-only file system with the fix, exit 4', () => {
    const list = repo.sortie(['task', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('TASK-1');
    expectEnvironment(repo.sortie(['task', 'claim', 'TASK-1']), /read-only/);
  });
});

describe.skipIf(Boolean(noMount))(`a full disk${noMount ? ` (skipped: ${noMount})` : ''}`, () => {
  let repo: TempRepo;
  let disk: string;
  let env: Record<string, string>;
  beforeAll(() => {
    repo = makeRepo({ name: 'disk-full' });
    seed(repo);
    disk = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-full-')));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    env = { SORTIE_DB: join(disk, 'sortie.db') };
    expect(repo.sortie(['status'], { env }).code).toBe(0); // creates the database there
    // Fill what is left.
    spawnSync('dd', ['if=/dev/zero', `of=${join(disk, 'filler')}`, 'bs=4k'], { encoding: 'utf8' });
  });
  afterAll(() => {
    spawnSync('umount', [disk]);
    rmSync(disk, { recursive: true, force: true });
    repo?.cleanup();
  });

  it('a write says the disk is full, with the fix, exit 4, and changes nothing', () => {
    const before = repo.sortie(['task', 'list', '--json'], { env }).json().tasks;
    const r = repo.sortie(['task', 'claim', 'TASK-1'], { env });
    expectEnvironment(r, /disk holding .* is full/);
    expect(repo.sortie(['task', 'list', '--json'], { env }).json().tasks).toEqual(before);
  });

  it('task files on a full disk: task new says so', () => {
    const tasks = join(repo.dir, '.sortie', 'tasks');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', tasks]);
    try {
      spawnSync('dd', ['if=/dev/zero', `of=${join(tasks, 'filler')}`, 'bs=1k']);
      expectEnvironment(repo.sortie(['task', 'new', 'Does not fit']), /disk holding .* is full/);
    } finally {
      spawnSync('umount', [tasks]);
    }
  });
});

describe('.sortie/tasks is a file', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeRepo({ name: 'tasks-file' });
    expect(repo.sortie(['init', '--no-git']).code).toBe(0);
    repo.write('.sortie/tasks', 'not a folder\n');
  });
  afterAll(() => repo?.cleanup());

  it.each([[['task', 'new', 'One']], [['task', 'list']], [['status']]])('%j says a file is where a folder should be, exit 4', (args) => {
    expectEnvironment(repo.sortie(args), /\.sortie\/tasks is a file where sortie needs a folder/);
  });
});
