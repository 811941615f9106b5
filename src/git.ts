import { childProcess } from './lazy.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { SortieError } from './errors.js';

export type Env = Record<string, string | undefined>;

/**
 * Git exports GIT_DIR, GIT_INDEX_FILE and friends into hook processes. Any git we run must not
 * inherit them, or it acts on the wrong repository (or the wrong index).
 */
export function scrubGitEnv(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('GIT_') && !KEEP_GIT_VARS.has(k)) continue;
    out[k] = v;
  }
  return out;
}
// Identity and terminal settings are safe (and wanted) to pass through.
const KEEP_GIT_VARS = new Set([
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_TERMINAL_PROMPT',
  'GIT_CONFIG_NOSYSTEM',
  'GIT_CONFIG_GLOBAL',
]);

export interface GitOptions {
  cwd: string;
  env: Env;
  /**
   * The repository whose index a hook is committing from. Git names that index in GIT_INDEX_FILE
   * (`git commit <paths>` and `commit -a` stage into a temporary one), so it is passed on, but only
   * when it lies inside this repository's git dirs: anything else is a decoy.
   */
  indexFrom?: Repo;
  /**
   * Keep what `git -c key=value` put in the environment (GIT_CONFIG_PARAMETERS, GIT_CONFIG_COUNT
   * and its pairs), for reading the config the outer git command runs with.
   */
  keepConfigEnv?: boolean;
  /** Kill git after this long (a hook's deadline); it then counts as failed. */
  timeoutMs?: number | undefined;
  /** Written to git's stdin (`cat-file --batch`). */
  input?: string;
  /**
   * Keep what a push or fetch needs to reach the remote as the person's own `git push` does (ssh
   * command, askpass, proxy, TLS settings): sortie uses their credentials and never sees them.
   */
  keepTransportEnv?: boolean;
}

/** GIT_* variables that shape how git reaches a remote (not which repository it acts on). */
const TRANSPORT_VARS = /^GIT_(SSH|SSH_COMMAND|SSH_VARIANT|ASKPASS|PROXY_COMMAND|PROXY_SSL_[A-Z_]+|SSL_[A-Z_]+|HTTP_[A-Z_]+|ALLOW_PROTOCOL|PROTOCOL_FROM_USER)$/;

export interface GitResult {
  /** git exited 0. */
  ok: boolean;
  code: number | null;
  /** stdout without its trailing newline. */
  out: string;
  err: string;
}

/**
 * The one way sortie runs git: arguments, never a shell string; every GIT_* variable scrubbed but
 * identity and terminal ones (git exports GIT_DIR and friends into hook processes, and a git we
 * run must not inherit them); child_process loaded only now. Never throws for a failing git: the
 * caller decides what a failure means.
 */
export function git(args: string[], o: GitOptions): GitResult {
  const r = spawnGit(args, o, 'utf8');
  return { ok: r.status === 0, code: r.status, out: ((r.stdout as string | null) ?? '').trimEnd(), err: String(r.stderr ?? '') };
}

/** The same runner, stdout kept as bytes (`cat-file --batch` output: object contents, binary trees). */
export function gitBytes(args: string[], o: GitOptions): { ok: boolean; code: number | null; out: Buffer; err: string } {
  const r = spawnGit(args, o, 'buffer');
  return { ok: r.status === 0, code: r.status, out: (r.stdout as Buffer | null) ?? Buffer.alloc(0), err: String(r.stderr ?? '') };
}

function spawnGit(args: string[], o: GitOptions, encoding: 'utf8' | 'buffer') {
  const env = scrubGitEnv(o.env);
  if (o.keepConfigEnv) {
    for (const [k, v] of Object.entries(o.env)) if (k === 'GIT_CONFIG_PARAMETERS' || /^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+)$/.test(k)) env[k] = v;
  }
  if (o.keepTransportEnv) for (const [k, v] of Object.entries(o.env)) if (TRANSPORT_VARS.test(k)) env[k] = v;
  const index = o.env.GIT_INDEX_FILE;
  if (o.indexFrom && index) {
    const repo = o.indexFrom;
    const abs = isAbsolute(index) ? index : resolve(repo.root, index);
    if ([repo.gitDir, repo.commonDir].some((d) => !relative(d, abs).startsWith('..'))) env.GIT_INDEX_FILE = abs;
  }
  return childProcess().spawnSync('git', args, {
    cwd: o.cwd,
    env: env as NodeJS.ProcessEnv,
    ...(encoding === 'utf8' ? { encoding } : {}),
    input: o.input,
    stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    ...(o.timeoutMs !== undefined && Number.isFinite(o.timeoutMs) ? { timeout: Math.max(1, Math.floor(o.timeoutMs)), killSignal: 'SIGKILL' as const } : {}),
  });
}

export interface Repo {
  /** Top of the current worktree. */
  root: string;
  /** This worktree's git dir (`.git`, or `.git/worktrees/<name>`). */
  gitDir: string;
  /** The directory shared by all worktrees of the clone. */
  commonDir: string;
}

/**
 * Finds the repository without spawning git: walk up to a `.git` entry, follow a `gitdir:` file
 * for worktrees, then `commondir`. This is on every hook's path, so it must cost microseconds.
 */
export function findRepo(cwd: string): Repo | undefined {
  let dir = resolve(cwd);
  for (;;) {
    const dotGit = join(dir, '.git');
    if (existsSync(dotGit)) {
      let gitDir = dotGit;
      try {
        const text = readFileSync(dotGit, 'utf8');
        const m = /^gitdir:\s*(.+)$/m.exec(text);
        if (m?.[1]) gitDir = resolve(dir, m[1].trim());
      } catch {
        // a directory: readFileSync throws EISDIR, gitDir stays .git
      }
      let commonDir = gitDir;
      const commonFile = join(gitDir, 'commondir');
      if (existsSync(commonFile)) {
        const c = readFileSync(commonFile, 'utf8').trim();
        commonDir = isAbsolute(c) ? c : resolve(gitDir, c);
      }
      return { root: dir, gitDir, commonDir };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function requireRepo(cwd: string): Repo {
  const repo = findRepo(cwd);
  if (!repo) {
    throw new SortieError('NOT_A_REPO', `not inside a git repository: ${cwd}`, {
      hint: 'cd into your project, or run `git init` first',
    });
  }
  return repo;
}

/** Current branch from HEAD without spawning git; undefined when detached. */
export function currentBranch(repo: Pick<Repo, 'gitDir'>): string | undefined {
  try {
    const head = readFileSync(join(repo.gitDir, 'HEAD'), 'utf8').trim();
    const m = /^ref:\s*refs\/heads\/(.+)$/.exec(head);
    return m?.[1];
  } catch {
    return undefined;
  }
}

export interface Worktree {
  /** Top of the worktree's files. */
  root: string;
  /** Its own git dir (the common dir for the main worktree). */
  gitDir: string;
  /** The branch checked out there; undefined when detached. */
  branch: string | undefined;
}

/**
 * Every worktree of the clone, read from the common dir without spawning git: the main one (unless
 * the clone is bare) and each `<common dir>/worktrees/<name>` whose `gitdir` file points at a
 * worktree that still exists. A few small reads per worktree.
 */
export function listWorktrees(commonDir: string): Worktree[] {
  const out: Worktree[] = [];
  const mainRoot = dirname(commonDir);
  if (basename(commonDir) === '.git' && existsSync(join(mainRoot, '.git'))) out.push({ root: mainRoot, gitDir: commonDir, branch: currentBranch({ gitDir: commonDir }) });
  let names: string[] = [];
  try {
    names = readdirSync(join(commonDir, 'worktrees'));
  } catch {
    return out;
  }
  for (const name of names.sort()) {
    const gitDir = join(commonDir, 'worktrees', name);
    try {
      const dotGit = readFileSync(join(gitDir, 'gitdir'), 'utf8').trim();
      const root = dirname(isAbsolute(dotGit) ? dotGit : resolve(gitDir, dotGit));
      if (!existsSync(join(root, '.git'))) continue; // removed without `git worktree remove`: prunable
      out.push({ root, gitDir, branch: currentBranch({ gitDir }) });
    } catch {
      // not a worktree entry (or half-written by a concurrent `git worktree add`)
    }
  }
  return out;
}

/**
 * What a person's claims are keyed by: their email, else their name (environment first, as git
 * itself does, then config). Git is asked for the name only when there is no email.
 */
export function gitPersonKey(cwd: string, env: Env): string | undefined {
  const config = (key: string) => {
    const r = git(['config', key], { cwd, env });
    return r.ok ? r.out : undefined;
  };
  const email = env.GIT_AUTHOR_EMAIL ?? config('user.email');
  if (email) return email;
  return (env.GIT_AUTHOR_NAME ?? config('user.name')) || undefined;
}
