/**
 * What the agent harnesses share: finding an installed CLI (skip with a reason locally, fail under
 * CI), an isolated HOME with its XDG folders, a scrubbed environment, and running one agent
 * process (bounded, its process group killed at the end) with a handle to signal the real agent
 * process behind a launcher. See AGENTS-HARNESS.md next to this file.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Captured, StandIn } from '../stand-in/core.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NODE_MODULES = path.join(ROOT, 'node_modules');

/** A port nothing listens on (discard): for registries and services the agents must never reach. */
export const DEAD_URL = 'http://127.0.0.1:9/';

export interface Availability {
  ok: boolean;
  version: string | null;
  /** Why it cannot run (when !ok), for the skip message. */
  reason: string;
}

/** Whether an agent CLI is installed and runs `<args>` (e.g. --version), with the version it prints. */
export function probeVersion(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Availability {
  if (!existsSync(cmd)) return { ok: false, version: null, reason: `${label}: ${path.relative(ROOT, cmd)} is not installed (npm install)` };
  const home = makeHome(`${label}-version`);
  try {
    // pi prints its version on stderr.
    const r = spawnSync(cmd, args, { env: { ...scrubbedEnv(), ...home.env, ...env }, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    if (r.error || r.status !== 0) return { ok: false, version: null, reason: `${label}: ${cmd} ${args.join(' ')} failed (${r.error ? String(r.error) : `exit ${r.status}`}): ${out.slice(0, 300)}` };
    const version = /(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? null;
    return version ? { ok: true, version, reason: '' } : { ok: false, version: null, reason: `${label}: no version in ${JSON.stringify(out.slice(0, 200))}` };
  } finally {
    home.cleanup();
  }
}

/**
 * `a` as is, except under CI=true, where an agent that cannot run throws: CI installs the dev
 * dependencies, so a missing CLI there is a failure, never a silent skip.
 */
export function requireInCi(a: Availability): Availability {
  if (!a.ok && process.env.CI) throw new Error(`${a.reason}; CI must run the agent end-to-end tests`);
  return a;
}

/** probeVersion, failing under CI. */
export function checkAvailable(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Availability {
  return requireInCi(probeVersion(label, cmd, args, env));
}

/** Memoise an availability check per process (each costs a CLI start). */
export function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

/** Whether a variable of the caller's environment must not reach an agent (or its hooks and shells). */
function leaks(name: string): boolean {
  return (
    /^(GIT_|SORTIE_|CLAUDE|ANTHROPIC_|OPENAI_|CODEX_|GEMINI_|GOOGLE_|OPENCODE|COPILOT_|GH_|GITHUB_|RUNNER_|PI_|XDG_|npm_|NPM_|HUSKY|VITEST|NODE_OPTIONS$|AGENT$)/.test(name) ||
    // CI changes agents' behaviour (and Gemini strips hook/shell environments on GitHub): runs here look the same locally and in CI.
    name === 'CI' ||
    name === 'TEST' ||
    name === 'SURFACE'
  );
}

/** The caller's environment without anything that could steer or leak into an agent. */
export function scrubbedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !leaks(k)) env[k] = v;
  env.NO_COLOR = '1';
  env.FORCE_COLOR = '0';
  return env;
}

export interface Home {
  /** The temp HOME. */
  dir: string;
  /** HOME, the four XDG_*_HOME folders and TMPDIR, all inside it. */
  env: Record<string, string>;
  cleanup(): void;
}

/** A fresh HOME in a temp folder, with XDG config/data/cache/state folders and a TMPDIR inside it. */
export function makeHome(label: string): Home {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), `${label}-home-`)));
  const env = {
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, '.config'),
    XDG_DATA_HOME: path.join(dir, '.local', 'share'),
    XDG_CACHE_HOME: path.join(dir, '.cache'),
    XDG_STATE_HOME: path.join(dir, '.local', 'state'),
    // Agents cache in the temp dir too (pi's jiti, Copilot's and Gemini's node compile caches): keep it ours.
    TMPDIR: path.join(dir, 'tmp'),
  };
  for (const d of Object.values(env)) mkdirSync(d, { recursive: true });
  return { dir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed the run because its time ran out. */
  timedOut: boolean;
  durationMs: number;
  /** The requests the stand-in received during this run. */
  requests: Captured[];
  /** pid of the process the harness spawned (a launcher, or the agent itself). */
  pid: number;
}

export interface AgentProcess {
  child: ChildProcess;
  /** pid of the real agent process: the native binary behind a launcher, or the spawned pid. */
  agentPid(timeoutMs?: number): Promise<number>;
  /** Send a signal to the real agent process (not its launcher). */
  signal(sig: NodeJS.Signals): Promise<void>;
  /** Write to the agent's stdin (only when started with stdin 'pipe'). */
  write(text: string): void;
  /** stdout so far. */
  stdout(): string;
  /** Resolves when the spawned process has closed (its group then killed); never rejects. */
  result: Promise<AgentResult>;
  /** SIGKILL the whole process group now and wait for the result (for cleanups). */
  stop(): Promise<AgentResult>;
}

export interface LaunchSpec {
  label: string;
  cmd: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  standIn: StandIn;
  /** SIGKILL the process group after this long. Default 120 000 ms. */
  timeoutMs?: number;
  /** 'ignore' (default: /dev/null, so no CLI waits for piped input) or 'pipe'. */
  stdin?: 'ignore' | 'pipe';
  /** Which process is the real agent: the first of the spawned pid and its descendants for which this holds (default: the spawned pid). */
  isAgent?: (proc: ProcInfo) => boolean;
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** /proc/<pid>/comm */
  comm: string;
  /** realpath of /proc/<pid>/exe, or '' */
  exe: string;
  /** argv */
  cmdline: string[];
}

/** A process as /proc shows it, or undefined when it is gone. */
export function procInfo(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    let exe = '';
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exe = '';
    }
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s !== '');
    return { pid, ppid, comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), exe, cmdline };
  } catch {
    return undefined;
  }
}

/** `root` and all its descendants, parents first. */
export function processTree(root: number): ProcInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => procInfo(Number(d)))
    .filter((p): p is ProcInfo => p !== undefined);
  const out: ProcInfo[] = [];
  const top = all.find((p) => p.pid === root);
  if (!top) return out;
  const queue = [top];
  while (queue.length > 0) {
    const p = queue.shift()!;
    out.push(p);
    for (const c of all) if (c.ppid === p.pid) queue.push(c);
  }
  return out;
}

/** Whether a process exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawn one agent run in its own process group. The returned result resolves once the spawned
 * process has closed; then anything left in the group (orphaned shell commands) is SIGKILLed.
 */
export function launch(spec: LaunchSpec): AgentProcess {
  const timeoutMs = spec.timeoutMs ?? 120_000;
  const firstRequest = spec.standIn.requests.length;
  const t0 = Date.now();
  // PWD too: OpenCode takes its project directory from $PWD, not from its cwd.
  const child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: { ...spec.env, PWD: spec.cwd }, stdio: [spec.stdin ?? 'ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const pgid = child.pid;
  const killGroup = () => {
    if (pgid === undefined) return;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // the group is gone
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, timeoutMs);
  const result = new Promise<AgentResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      killGroup();
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - t0, requests: spec.standIn.requests.slice(firstRequest), pid: pgid ?? -1 });
    };
    child.once('error', (err) => {
      stderr += `\n[harness] spawn failed: ${String(err)}`;
      finish(null, null);
    });
    child.once('close', finish);
  });

  const agentPid = async (waitMs = 10_000): Promise<number> => {
    if (pgid === undefined) throw new Error(`${spec.label}: not started`);
    if (!spec.isAgent) return pgid;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = processTree(pgid).find(spec.isAgent);
      if (found) return found.pid;
      if (Date.now() > deadline) throw new Error(`${spec.label}: the agent process did not appear under pid ${pgid} within ${waitMs} ms: ${JSON.stringify(processTree(pgid).map((p) => [p.pid, p.comm, p.exe]))}`);
      await sleep(50);
    }
  };

  return {
    child,
    agentPid,
    async signal(sig) {
      process.kill(await agentPid(), sig);
    },
    write(text) {
      if (!child.stdin) throw new Error(`${spec.label}: stdin is not a pipe`);
      child.stdin.write(text);
    },
    stdout: () => stdout,
    result,
    stop() {
      killGroup();
      return result;
    },
  };
}

/** Lines of a JSONL file that parse (a missing file is empty). */
export function readJsonl(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

/** Poll `check` every 50 ms until it returns a value other than undefined/false, or throw after `timeoutMs`. */
export async function waitUntil<T>(what: string, timeoutMs: number, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Single-quote for sh. */
export const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A compact account of a run for assertion messages: exit, output tails, what the stand-in saw. */
export function diag(r: AgentResult, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(
    {
      code: r.code,
      signal: r.signal,
      timedOut: r.timedOut,
      ms: r.durationMs,
      stdout: r.stdout.slice(-1500),
      stderr: r.stderr.slice(-3000),
      requests: r.requests.map((q) => `${q.method} ${q.url} ${q.kind}${q.main ? `#${q.mainIndex}` : ''}${q.error ? ` ERROR ${q.error}` : ''}`),
      ...extra,
    },
    null,
    1,
  );
}
