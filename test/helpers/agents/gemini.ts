/**
 * The real Gemini CLI (@google/gemini-cli, the project's devDependency) run offline: `gemini -p`
 * against the Gemini v1beta stand-in (GOOGLE_GEMINI_BASE_URL), HOME in a temp folder with the
 * auth type `gemini-api-key` in user settings, the workspace trusted through
 * GEMINI_CLI_TRUST_WORKSPACE=true, and no relaunch (GEMINI_CLI_NO_RELAUNCH=true: one node
 * process, which receives the signals). See AGENTS-HARNESS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from '../stand-in/core.js';
import { checkAvailable, launch, makeHome, NODE_MODULES, once, scrubbedEnv, type AgentProcess, type AgentResult, type Home } from './common.js';

/** The bundled CLI entry, run with this node. */
export const GEMINI_ENTRY = path.join(NODE_MODULES, '@google', 'gemini-cli', 'bundle', 'gemini.js');
export const GEMINI_MODEL = 'gemini-2.5-flash';

/** Every hook event of Gemini CLI 0.61.0 (bundle/docs/hooks/reference.md). */
export const GEMINI_EVENTS = ['SessionStart', 'BeforeAgent', 'BeforeModel', 'BeforeToolSelection', 'AfterModel', 'BeforeTool', 'AfterTool', 'AfterAgent', 'PreCompress', 'Notification', 'SessionEnd'];

export const geminiAvailability = once(() => checkAvailable('gemini', process.execPath, [GEMINI_ENTRY, '--version'], { GEMINI_CLI_NO_RELAUNCH: 'true' }));

/** A temp HOME whose ~/.gemini/settings.json selects API-key auth (else a base URL means "gateway" auth: exit 41). */
export function makeGeminiHome(): Home {
  const home = makeHome('gemini');
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
  };
  mkdirSync(path.join(home.dir, '.gemini'), { recursive: true });
  writeFileSync(path.join(home.dir, '.gemini', 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
  return home;
}

/** Write `<repo>/.gemini/settings.json` with one command hook per event (timeouts in milliseconds). */
export function writeGeminiHooks(repo: string, commands: Record<string, string>, timeoutMs = 30_000): string {
  const hooks: Record<string, unknown> = {};
  for (const [event, command] of Object.entries(commands)) hooks[event] = [{ hooks: [{ type: 'command', name: `probe-${event}`, command, timeout: timeoutMs }] }];
  const file = path.join(repo, '.gemini', 'settings.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ hooks }, null, 2) + '\n');
  return file;
}

export interface GeminiRunOptions {
  repo: string;
  prompt: string;
  standIn: StandIn;
  home: Home;
  /** `--resume <value>`: 'latest', a session index or a session id. */
  resume?: string;
  /** Trust the workspace through GEMINI_CLI_TRUST_WORKSPACE=true. Default true (else: exit 55). */
  trust?: boolean;
  extraArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function geminiEnv(opts: Pick<GeminiRunOptions, 'standIn' | 'home' | 'trust' | 'env'>): Record<string, string> {
  const env: Record<string, string> = {
    ...scrubbedEnv(),
    ...opts.home.env,
    GEMINI_API_KEY: 'stand-in',
    GOOGLE_GEMINI_BASE_URL: opts.standIn.url,
    GEMINI_CLI_NO_RELAUNCH: 'true',
  };
  if (opts.trust !== false) env.GEMINI_CLI_TRUST_WORKSPACE = 'true';
  return { ...env, ...opts.env };
}

export function geminiArgs(opts: GeminiRunOptions): string[] {
  const args = [GEMINI_ENTRY, '-m', GEMINI_MODEL, '--approval-mode', 'yolo'];
  if (opts.resume !== undefined) args.push('--resume', opts.resume);
  args.push(...(opts.extraArgs ?? []), '-p', opts.prompt);
  return args;
}

/** Start `gemini -p` as one node process (no relaunch), so `signal()` reaches the agent itself. */
export function startGemini(opts: GeminiRunOptions): AgentProcess {
  return launch({ label: 'gemini', cmd: process.execPath, args: geminiArgs(opts), cwd: opts.repo, env: geminiEnv(opts), standIn: opts.standIn, timeoutMs: opts.timeoutMs });
}

export function runGemini(opts: GeminiRunOptions): Promise<AgentResult> {
  return startGemini(opts).result;
}
