/**
 * The real Codex CLI (@openai/codex, the project's devDependency) run offline: `codex exec` against
 * the OpenAI Responses stand-in through a custom provider, HOME and CODEX_HOME in a temp folder.
 * Trust is met as a user meets it: `--trust` for the project, and each hook trusted by its
 * `trusted_hash`, written through Codex's own `codex app-server` (hooks/list, config/batchWrite).
 * See AGENTS-HARNESS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listCodexHooks as listHooks, trustCodexHooks as trustHooks, withCodexAppServer as withServer, type CodexHookInfo, type CodexRpc } from '../../../dist/agents/codex/app-server.js';
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

// ---- trust through `codex app-server` (stdio JSON-RPC): sortie's own implementation ----

export type { CodexHookInfo, CodexRpc };

/** Run `codex app-server` for the length of `fn` (src/agents/codex/app-server.ts), with this HOME and CODEX_HOME. */
export function withCodexAppServer<T>(home: CodexHome, fn: (rpc: CodexRpc) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return withServer(CODEX_BIN, codexEnv(home), fn, timeoutMs);
}

/** The hooks Codex sees for `repo` (project hooks appear only once the project is trusted). */
export function listCodexHooks(home: CodexHome, repo: string): Promise<CodexHookInfo[]> {
  return listHooks(CODEX_BIN, codexEnv(home), repo);
}

/**
 * What `sortie init --trust` does for a user (the same function): trust the project, then each
 * hook of `repo` that is not trusted yet (optionally only those `select` picks). Returns the
 * hooks as Codex lists them afterwards.
 */
export async function trustCodexHooks(home: CodexHome, repo: string, select: (h: CodexHookInfo) => boolean = () => true): Promise<CodexHookInfo[]> {
  return (await trustHooks(CODEX_BIN, codexEnv(home), repo, select)).after;
}
