/**
 * Spawn the real Claude Code CLI (the project's devDependency) non-interactively,
 * offline, against a fake model server (see fake-model.ts and CLAUDE-HARNESS.md).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of the project's `claude` binary. */
export const CLAUDE_BIN = path.resolve(here, '../../node_modules/.bin/claude');

export interface ClaudeOptions {
  cwd: string;
  prompt: string;
  /** Base URL of the fake model, e.g. FakeModel.url. */
  modelUrl: string;
  /** Extra environment; applied last, so it can re-add scrubbed variables. */
  env?: Record<string, string>;
  /** Kill (SIGKILL) after this many ms. Default 60 000. */
  timeoutMs?: number;
  /** Abort to SIGKILL the process. */
  signal?: AbortSignal;
  /** HOME to use; default: a fresh temp folder, removed when the process exits. */
  home?: string;
  /** Extra CLI arguments appended after the defaults. */
  extraArgs?: string[];
}

export interface ClaudeResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when the harness killed the process because timeoutMs elapsed. */
  timedOut: boolean;
}

/**
 * Flags for a non-interactive run where the Bash tool needs no permission
 * prompt. `--allowedTools Bash` alone is enough (verified); we do not use
 * --dangerously-skip-permissions (it refuses to run as root).
 */
export function claudeArgs(prompt: string, extraArgs: string[] = []): string[] {
  return ['-p', prompt, '--allowedTools', 'Bash', ...extraArgs];
}

/** Whether a variable of the caller's environment must not leak into claude. */
function scrubbed(name: string): boolean {
  return (
    name.startsWith('GIT_') ||
    name === 'CLAUDECODE' ||
    name.startsWith('CLAUDE_') || // CLAUDE_CODE_*, CLAUDE_PID, CLAUDE_ENV_FILE, CLAUDE_PROJECT_DIR, CLAUDE_CONFIG_DIR...
    name.startsWith('ANTHROPIC_') ||
    name.startsWith('SORTIE_')
  );
}

/** The environment claude runs with. */
export function claudeEnv(modelUrl: string, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !scrubbed(k)) env[k] = v;
  }
  // Keep XDG_* from pointing at the real user's folders.
  delete env.XDG_CONFIG_HOME;
  delete env.XDG_DATA_HOME;
  delete env.XDG_CACHE_HOME;
  delete env.XDG_STATE_HOME;
  Object.assign(env, {
    HOME: home,
    ANTHROPIC_API_KEY: 'test',
    ANTHROPIC_BASE_URL: modelUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    NO_COLOR: '1',
    FORCE_COLOR: '0',
  });
  Object.assign(env, extra);
  return env;
}

let availableCache: boolean | undefined;
let versionCache: string | null | undefined;

/** The installed claude version, e.g. "2.1.197", or null when it cannot run. */
export function claudeVersion(): string | null {
  if (versionCache !== undefined) return versionCache;
  versionCache = null;
  if (existsSync(CLAUDE_BIN)) {
    const home = mkdtempSync(path.join(tmpdir(), 'claude-home-'));
    try {
      const out = execFileSync(CLAUDE_BIN, ['--version'], {
        env: claudeEnv('http://127.0.0.1:9', home),
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      versionCache = /(\d+\.\d+\.\d+)/.exec(out)?.[1] ?? null;
    } catch {
      versionCache = null;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  return versionCache;
}

/** True when the claude binary exists and runs (`--version` succeeds). */
export function claudeAvailable(): boolean {
  if (availableCache === undefined) availableCache = claudeVersion() !== null;
  // CI installs the dev dependency: a missing binary there is a failure, never a silent skip.
  if (!availableCache && process.env.CI) throw new Error('the Claude Code CLI (node_modules/.bin/claude) is missing or does not run; CI must run the end-to-end tests');
  return availableCache;
}

/**
 * Start claude. The returned process has stdin closed (so `-p` does not wait
 * for piped input) and stdout/stderr piped. A temp HOME it created is removed
 * after the process closes.
 */
export function spawnClaude(opts: ClaudeOptions): ChildProcess {
  const ownHome = opts.home === undefined;
  const home = opts.home ?? mkdtempSync(path.join(tmpdir(), 'claude-home-'));
  const child = spawn(CLAUDE_BIN, claudeArgs(opts.prompt, opts.extraArgs), {
    cwd: opts.cwd,
    env: claudeEnv(opts.modelUrl, home, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (ownHome) {
    child.once('close', () => rmSync(home, { recursive: true, force: true }));
    child.once('error', () => rmSync(home, { recursive: true, force: true }));
  }
  return child;
}

/** Run claude to completion (or until timeout / abort, which SIGKILL it). */
export function runClaude(opts: ClaudeOptions): Promise<ClaudeResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise<ClaudeResult>((resolve, reject) => {
    const child = spawnClaude(opts);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = () => kill();
    if (opts.signal) {
      if (opts.signal.aborted) kill();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    child.once('error', (err) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
