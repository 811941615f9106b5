// Peer for the "task list" comparison: the Backlog.md CLI (npm package `backlog.md`), run on the same tasks.
//
// preparePeer() installs a pinned backlog.md into a private prefix, writes the tasks into a Backlog.md project
// in its own on-disk format, checks that `backlog task list --plain` lists them all, and returns how to run it.
// It never throws for "cannot run here": it returns { ok: false, reason } instead.
//
// On-disk format (as written by `backlog task create` of backlog.md 1.52.0 itself, and described in its docs):
//   backlog/config.yml                          project config (statuses, task_prefix, remote_operations, ...)
//   backlog/tasks/task-<n> - <Title-slug>.md    YAML frontmatter: id, title, status, assignee, created_date,
//                                               labels, dependencies, priority; body in "## Description" section.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BACKLOG_VERSION = '1.52.0';

const INSTALL_TIMEOUT_MS = 5 * 60_000;
const PROBE_TIMEOUT_MS = 2 * 60_000;

// sortie status -> Backlog.md status. Backlog.md's default set is To Do / In Progress / Done; statuses are
// configurable in config.yml, so the project declares one Backlog.md status per sortie status (same grouping).
const STATUS_MAP = {
  TODO: 'To Do',
  UNDERWAY: 'In Progress',
  BLOCKED: 'Blocked',
  PAUSED: 'Paused',
  REVIEW: 'Review',
  COMPLETE: 'Done',
  ABORTED: 'Aborted',
};
const STATUSES = ['To Do', 'In Progress', 'Blocked', 'Paused', 'Review', 'Done', 'Aborted'];
// Backlog.md only knows high / medium / low.
const PRIORITY_MAP = { critical: 'high', high: 'high', medium: 'medium', low: 'low' };

/** Environment for every child: no colour, no prompts, no git/user config leaking in. */
function peerEnv(home) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('GIT_') || k.startsWith('SORTIE_') || k.startsWith('CLAUDE') || k.startsWith('BACKLOG_') || k.startsWith('npm_')) delete env[k];
  }
  Object.assign(env, {
    CI: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    TERM: 'dumb',
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
  });
  return env;
}

/**
 * Runs a command with a time limit, stdin ignored; resolves { code, signal, stdout, stderr, error, timedOut }.
 * With outFile, the child's stdout goes straight to that file (read back afterwards) instead of a pipe.
 */
function run(cmd, args, { cwd, env, timeoutMs, onLine, outFile } = {}) {
  return new Promise((resolve) => {
    let child;
    let outFd = null;
    try {
      if (outFile) outFd = openSync(outFile, 'w');
      child = spawn(cmd, args, { cwd, env, stdio: ['ignore', outFd ?? 'pipe', 'pipe'] });
    } catch (error) {
      if (outFd !== null) closeSync(outFd);
      resolve({ code: null, signal: null, stdout: '', stderr: '', error, timedOut: false });
      return;
    }
    if (outFd !== null) closeSync(outFd); // the child has its own copy
    const fileOut = () => (outFile ? readFileSync(outFile, 'utf8') : stdout);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs ?? PROBE_TIMEOUT_MS);
    const feed = (chunk, which) => {
      const s = chunk.toString();
      if (which === 'out') stdout += s;
      else stderr += s;
      if (onLine) for (const line of s.split('\n')) if (line.trim()) onLine(line);
    };
    child.stdout?.on('data', (c) => feed(c, 'out'));
    child.stderr.on('data', (c) => feed(c, 'err'));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: fileOut(), stderr, error, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: fileOut(), stderr, error: null, timedOut });
    });
  });
}

function lastLines(text, n = 3) {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ').slice(0, 400);
}

function platformPackage() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  return `backlog.md-${os}-${process.arch}`;
}

function installedVersion(prefix) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', 'backlog.md', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** YAML single-quoted scalar (always valid, whatever the text). */
function q(s) {
  return `'${String(s).replace(/'/g, "''")}'`;
}

function yamlList(key, items) {
  if (!items.length) return [`${key}: []`];
  return [`${key}:`, ...items.map((x) => `  - ${q(x)}`)];
}

/** File-name slug the way backlog.md builds it: runs of non-alphanumerics become '-', case kept. */
function slug(title) {
  return String(title).replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'task';
}

function taskFile(t) {
  const fm = [
    '---',
    `id: ${t.id}`,
    `title: ${q(t.title)}`,
    `status: ${STATUS_MAP[t.status] ?? 'To Do'}`,
    'assignee: []',
    "created_date: '2026-01-01 00:00'",
    ...yamlList('labels', t.labels ?? []),
    ...yamlList('dependencies', t.dependsOn ?? []),
    `priority: ${PRIORITY_MAP[t.priority] ?? 'medium'}`,
    '---',
  ];
  return [
    ...fm,
    '',
    '## Description',
    '',
    '<!-- SECTION:DESCRIPTION:BEGIN -->',
    String(t.body ?? '').trim(),
    '<!-- SECTION:DESCRIPTION:END -->',
    '',
  ].join('\n');
}

function configYml() {
  return [
    'project_name: "sortie-bench"',
    'default_status: "To Do"',
    `statuses: [${STATUSES.map((s) => `"${s}"`).join(', ')}]`,
    'labels: []',
    'date_format: yyyy-mm-dd',
    'max_column_width: 20',
    'auto_open_browser: false',
    'default_port: 6420',
    'remote_operations: false',
    'auto_commit: false',
    'filesystem_only: false',
    'bypass_git_hooks: true',
    'check_active_branches: false',
    'active_branch_days: 30',
    'task_prefix: "task"',
    '',
  ].join('\n');
}

/** Task ids in `backlog task list --plain` output (lines like "  [HIGH] TASK-12 - title"). */
export function countListed(stdout) {
  const ids = new Set();
  for (const line of stdout.split('\n')) {
    const m = /^\s+(?:\[[A-Z]+\]\s+)?(TASK-\d+)\s+-\s/i.exec(line);
    if (m) ids.add(m[1].toUpperCase());
  }
  return ids.size;
}

export async function preparePeer({ workDir, tasks, log = () => {} }) {
  try {
    return await prepare({ workDir, tasks, log });
  } catch (e) {
    return { ok: false, reason: `Backlog.md peer setup failed unexpectedly: ${e?.message ?? e}` };
  }
}

async function prepare({ workDir, tasks, log }) {
  const pkg = platformPackage();
  const supported = ['linux', 'darwin', 'win32'].includes(process.platform) && ['x64', 'arm64'].includes(process.arch);
  if (!supported) return { ok: false, reason: `backlog.md ships prebuilt binaries only for linux/darwin/windows on x64/arm64, not ${process.platform}-${process.arch}.` };

  const prefix = join(workDir, 'backlog-peer');
  const home = join(workDir, 'backlog-home');
  const cwd = join(workDir, 'backlog-repo');
  mkdirSync(prefix, { recursive: true });
  mkdirSync(home, { recursive: true });
  const env = peerEnv(home);

  // 1. Install (skipped when the pinned version is already in the prefix).
  const bin = join(prefix, 'node_modules', pkg, process.platform === 'win32' ? 'backlog.exe' : 'backlog');
  if (installedVersion(prefix) === BACKLOG_VERSION && existsSync(bin)) {
    log(`backlog.md@${BACKLOG_VERSION} already installed in ${prefix}`);
  } else {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const npmEnv = { ...process.env, CI: '1', NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_yes: 'true' };
    for (const k of Object.keys(npmEnv)) if (k.startsWith('npm_') && !['npm_config_update_notifier', 'npm_config_yes'].includes(k)) delete npmEnv[k];
    const args = ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--include=optional', '--loglevel=warn', '--no-progress', `backlog.md@${BACKLOG_VERSION}`];
    log(`installing: npm ${args.join(' ')}`);
    const t0 = Date.now();
    const r = await run(npm, args, { cwd: prefix, env: npmEnv, timeoutMs: INSTALL_TIMEOUT_MS, onLine: (l) => log(`npm: ${l}`) });
    if (r.error) return { ok: false, reason: `npm could not be started to install backlog.md (${r.error.code ?? r.error.message}).` };
    if (r.timedOut) return { ok: false, reason: `installing backlog.md@${BACKLOG_VERSION} from the npm registry did not finish within ${INSTALL_TIMEOUT_MS / 60000} minutes.` };
    if (r.code !== 0) return { ok: false, reason: `npm install backlog.md@${BACKLOG_VERSION} failed (exit ${r.code}): ${lastLines(r.stderr || r.stdout)}` };
    log(`installed backlog.md@${BACKLOG_VERSION} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  if (!existsSync(bin)) {
    return { ok: false, reason: `backlog.md installed but its platform package ${pkg} (the prebuilt binary) is missing; npm may be set to omit optional dependencies or the registry lacks it.` };
  }

  // 2. The binary runs here?
  const v = await run(bin, ['--version'], { cwd: home, env, timeoutMs: 30_000 });
  if (v.error || v.timedOut || v.code !== 0) {
    const why = v.error ? v.error.code ?? v.error.message : v.timedOut ? 'timed out' : `exit ${v.code}${v.signal ? ` ${v.signal}` : ''}`;
    return { ok: false, reason: `the prebuilt backlog binary does not run on this machine (${why}): ${lastLines(v.stderr)}` };
  }
  const version = v.stdout.trim();

  // 3. The project: a git repo with backlog/config.yml and one file per task.
  rmSync(cwd, { recursive: true, force: true });
  const tasksDir = join(cwd, 'backlog', 'tasks');
  mkdirSync(tasksDir, { recursive: true });
  for (const d of ['drafts', 'docs', 'decisions', 'milestones', 'completed', join('archive', 'tasks'), join('archive', 'drafts'), join('archive', 'milestones')]) {
    mkdirSync(join(cwd, 'backlog', d), { recursive: true });
  }
  writeFileSync(join(cwd, 'backlog', 'config.yml'), configYml());
  for (const t of tasks) writeFileSync(join(tasksDir, `task-${t.n} - ${slug(t.title)}.md`), taskFile(t));
  const git = (...a) => spawnSync('git', a, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
  const gitSteps = [
    ['init', '-q', '-b', 'main'],
    ['config', 'user.name', 'Bench Person'],
    ['config', 'user.email', 'bench@example.com'],
    ['config', 'commit.gpgsign', 'false'],
    ['config', 'gc.auto', '0'],
    ['add', '-A'],
    ['commit', '-q', '--no-verify', '-m', 'backlog tasks'],
  ];
  for (const step of gitSteps) {
    const g = git(...step);
    if (g.error || g.status !== 0) return { ok: false, reason: `could not set up the Backlog.md git repo (git ${step[0]}: ${g.error?.code ?? lastLines(g.stderr)}).` };
  }
  log(`wrote ${tasks.length} Backlog.md task files in ${tasksDir}`);

  // 4. Probe: the command the benchmark times must list every task and terminate.
  const args = ['task', 'list', '--plain'];
  // stdout goes to a file, not a pipe: the Bun-compiled binary exits before a piped stdout drains and silently
  // drops the rest (seen here: 5,182 of 10,000 tasks through a pipe, all of them to a file).
  const outFile = join(workDir, 'backlog-list.out');
  const p = await run(bin, args, { cwd, env, timeoutMs: PROBE_TIMEOUT_MS, outFile });
  if (p.error || p.timedOut || p.code !== 0) {
    const why = p.error ? p.error.code ?? p.error.message : p.timedOut ? `did not finish within ${PROBE_TIMEOUT_MS / 1000}s` : `exit ${p.code}`;
    return { ok: false, reason: `backlog task list --plain failed on the generated project (${why}): ${lastLines(p.stderr || p.stdout)}` };
  }
  const listed = countListed(p.stdout);
  if (listed !== tasks.length) {
    return { ok: false, reason: `backlog task list --plain listed ${listed} of ${tasks.length} tasks, so the comparison would not be like for like.` };
  }
  const dirty = git('status', '--porcelain').stdout.trim();
  if (dirty) log(`note: backlog task list left changes in the repo: ${dirty.split('\n').slice(0, 3).join(', ')}`);

  const note = [
    `backlog.md ${version} (prebuilt Bun binary from ${pkg}, run directly, not through its Node launcher)`,
    'all statuses listed by default (no Done filter)',
    'stdout must go to a file, not a pipe (the binary truncates piped output at exit); use runPeer()',
    `statuses mapped to custom Backlog.md statuses ${STATUSES.join('/')}`,
    'priority critical mapped to high (Backlog.md has only high/medium/low)',
    'remote_operations and check_active_branches off (no network, no cross-branch scan)',
  ].join('; ');
  let binBytes = 0;
  try {
    binBytes = statSync(bin).size;
  } catch {}
  return { ok: true, bin, cwd, args, env, version, listed, note, outFile, launcher: join(prefix, 'node_modules', 'backlog.md', 'cli.js'), binBytes };
}

/**
 * One timed run of the peer (wall clock, stdout to peer.outFile since a pipe would be truncated).
 * Returns { ms, ok, listed, error }.
 */
export function runPeer(peer, { timeoutMs = PROBE_TIMEOUT_MS } = {}) {
  const fd = openSync(peer.outFile, 'w');
  let r;
  const t0 = process.hrtime.bigint();
  try {
    r = spawnSync(peer.bin, peer.args, { cwd: peer.cwd, env: peer.env, stdio: ['ignore', fd, 'pipe'], timeout: timeoutMs, encoding: 'utf8' });
  } finally {
    closeSync(fd);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const ok = !r.error && r.status === 0;
  const listed = ok ? countListed(readFileSync(peer.outFile, 'utf8')) : 0;
  return { ms, ok, listed, error: ok ? null : r.error?.code ?? `exit ${r.status}${r.signal ? ` ${r.signal}` : ''}: ${lastLines(r.stderr ?? '')}` };
}
