/**
 * The real Codex CLI (@openai/codex, the project's devDependency) run offline: `codex exec` against
 * the OpenAI Responses stand-in through a custom provider, HOME and CODEX_HOME in a temp folder.
 * Trust is met as a user meets it: `--trust` for the project, and each hook trusted by its
 * `trusted_hash`, written through Codex's own `codex app-server` (hooks/list, config/batchWrite).
 * See AGENTS-HARNESS.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from '../stand-in/core.js';
import { checkAvailable, launch, makeHome, NODE_MODULES, once, scrubbedEnv, type AgentProcess, type AgentResult, type Home } from './common.js';

/** The npm launcher (a node script that spawns the native binary on Node < 22). */
export const CODEX_BIN = path.join(NODE_MODULES, '.bin', 'codex');
export const CODEX_MODEL = 'gpt-5-codex';

/** Every hook event of Codex 0.169.0 (JSON schemas in the binary). */
export const CODEX_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'PreCompact', 'PostCompact', 'Stop', 'SubagentStart', 'SubagentStop', 'Interrupt', 'SessionEnd'];

export const codexAvailability = once(() => checkAvailable('codex', CODEX_BIN, ['--version']));

export interface CodexHome extends Home {
  /** $CODEX_HOME (= <home>/.codex): config.toml, sessions/, hooks trust. */
  codexHome: string;
}

/** A temp HOME with an (empty) CODEX_HOME: Codex refuses a CODEX_HOME that does not exist. */
export function makeCodexHome(): CodexHome {
  const home = makeHome('codex');
  const codexHome = path.join(home.dir, '.codex');
  mkdirSync(codexHome, { recursive: true });
  return { ...home, codexHome, env: { ...home.env, CODEX_HOME: codexHome } };
}

export function codexEnv(home: CodexHome, extra: Record<string, string> = {}): Record<string, string> {
  return { ...scrubbedEnv(), ...home.env, OPENAI_API_KEY: 'sk-stand-in', ...extra };
}

/** `-c` overrides that point Codex at the stand-in (nothing is written to config.toml for it). */
export function codexProviderArgs(standIn: StandIn): string[] {
  return ['-c', 'model_provider=standin', '-c', `model_providers.standin={name="stand-in",base_url="${standIn.url}/v1",wire_api="responses",env_key="OPENAI_API_KEY"}`, '-m', CODEX_MODEL];
}

/** Write `<repo>/.codex/hooks.json`: one command handler per event (timeouts in seconds). */
export function writeCodexHooks(repo: string, commands: Record<string, string>, timeoutSec = 30): string {
  const hooks: Record<string, unknown> = {};
  for (const [event, command] of Object.entries(commands)) hooks[event] = [{ hooks: [{ type: 'command', command, timeout: timeoutSec }] }];
  const file = path.join(repo, '.codex', 'hooks.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ hooks }, null, 2) + '\n');
  return file;
}

export interface CodexRunOptions {
  repo: string;
  prompt: string;
  standIn: StandIn;
  home: CodexHome;
  /** Resume a session: its id, or 'last'. */
  resume?: string;
  /** Pass --trust (trust the project, persisted in config.toml). Default true. */
  trust?: boolean;
  /** Pass --dangerously-bypass-hook-trust instead of relying on persisted hook trust. Default false. */
  bypassHookTrust?: boolean;
  /** Compact once usage passes this many tokens (model_auto_compact_token_limit). */
  autoCompactTokenLimit?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function codexArgs(opts: CodexRunOptions): string[] {
  const args = ['exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', ...codexProviderArgs(opts.standIn)];
  if (opts.trust !== false) args.push('--trust');
  if (opts.bypassHookTrust) args.push('--dangerously-bypass-hook-trust');
  if (opts.autoCompactTokenLimit !== undefined) args.push('-c', `model_auto_compact_token_limit=${opts.autoCompactTokenLimit}`);
  args.push(...(opts.extraArgs ?? []));
  if (opts.resume !== undefined) args.push('resume', ...(opts.resume === 'last' ? ['--last'] : [opts.resume]));
  args.push(opts.prompt);
  return args;
}

/** Start `codex exec`; `signal()` reaches the native binary, not the npm launcher. */
export function startCodex(opts: CodexRunOptions): AgentProcess {
  return launch({
    label: 'codex',
    cmd: CODEX_BIN,
    args: codexArgs(opts),
    cwd: opts.repo,
    env: codexEnv(opts.home, opts.env),
    standIn: opts.standIn,
    timeoutMs: opts.timeoutMs,
    // On Node >= 22 the launcher execve()s into the binary (same pid); before, it spawns it as a child.
    isAgent: (p) => p.exe.endsWith('/bin/codex'),
  });
}

export function runCodex(opts: CodexRunOptions): Promise<AgentResult> {
  return startCodex(opts).result;
}

// ---- trust through `codex app-server` (stdio JSON-RPC) ----

export interface CodexHookInfo {
  /** `<source file>:<event_snake_case>:<group index>:<handler index>`: the hooks.state key. */
  key: string;
  eventName: string;
  command?: string;
  source: string;
  sourcePath: string;
  currentHash: string;
  trustStatus: 'managed' | 'untrusted' | 'trusted' | 'modified';
  enabled: boolean;
}

export interface CodexRpc {
  request(method: string, params: unknown): Promise<any>;
  notify(method: string, params: unknown): void;
}

/**
 * Run `codex app-server` over stdio for the length of `fn`: `initialize`, `initialized`, then
 * whatever `fn` asks. Messages are JSON lines `{id, method, params}` / `{id, result|error}`.
 */
export async function withCodexAppServer<T>(home: CodexHome, fn: (rpc: CodexRpc) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const child = spawn(CODEX_BIN, ['app-server'], { env: codexEnv(home), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let buffer = '';
  let stderr = '';
  let nextId = 1;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const waiter = typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
      if (!waiter || msg.method !== undefined) continue; // notifications and server requests
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`codex app-server: ${JSON.stringify(msg.error)}`));
      else waiter.resolve(msg.result);
    }
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const failAll = (why: string) => {
    for (const w of pending.values()) w.reject(new Error(`codex app-server ${why}; stderr: ${stderr}`));
    pending.clear();
  };
  child.once('close', (code) => failAll(`exited (${code})`));
  child.once('error', (err) => failAll(`failed to start: ${String(err)}`));
  const timer = setTimeout(() => failAll(`did not answer within ${timeoutMs} ms`), timeoutMs);
  const rpc: CodexRpc = {
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.stdin.write(JSON.stringify({ id, method, params }) + '\n');
      }),
    notify: (method, params) => {
      child.stdin.write(JSON.stringify({ method, params }) + '\n');
    },
  };
  try {
    await rpc.request('initialize', { clientInfo: { name: 'sortie-test', version: '0' } });
    rpc.notify('initialized', {});
    return await fn(rpc);
  } finally {
    clearTimeout(timer);
    child.stdin.end();
    const gone = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    try {
      if (!gone || child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await closed;
  }
}

/** The hooks Codex sees for `repo` (project hooks appear only once the project is trusted). */
export async function listCodexHooks(home: CodexHome, repo: string): Promise<CodexHookInfo[]> {
  return withCodexAppServer(home, async (rpc) => {
    const result = await rpc.request('hooks/list', { cwds: [repo] });
    return (result.data ?? []).flatMap((entry: any) => entry.hooks ?? []) as CodexHookInfo[];
  });
}

/**
 * What `sortie init` would do for a user: trust the project, then trust each hook of `repo` that
 * is not trusted yet (optionally only those `select` picks) by writing its current hash as
 * `hooks.state."<key>".trusted_hash` in $CODEX_HOME/config.toml through Codex's own config
 * writer. Returns the hooks as Codex lists them afterwards.
 */
export async function trustCodexHooks(home: CodexHome, repo: string, select: (h: CodexHookInfo) => boolean = () => true): Promise<CodexHookInfo[]> {
  return withCodexAppServer(home, async (rpc) => {
    await rpc.request('config/batchWrite', { edits: [{ keyPath: 'projects', mergeStrategy: 'upsert', value: { [repo]: { trust_level: 'trusted' } } }] });
    const list = async () => ((await rpc.request('hooks/list', { cwds: [repo] })).data ?? []).flatMap((e: any) => e.hooks ?? []) as CodexHookInfo[];
    const untrusted = (await list()).filter((h) => h.trustStatus !== 'trusted' && h.trustStatus !== 'managed' && select(h));
    if (untrusted.length > 0) {
      const state = Object.fromEntries(untrusted.map((h) => [h.key, { trusted_hash: h.currentHash }]));
      await rpc.request('config/batchWrite', { edits: [{ keyPath: 'hooks.state', mergeStrategy: 'upsert', value: state }] });
    }
    return list();
  });
}
