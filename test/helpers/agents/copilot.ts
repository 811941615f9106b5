/**
 * The real GitHub Copilot CLI (@github/copilot, the project's devDependency) run offline:
 * `copilot -p` in BYOK mode (COPILOT_PROVIDER_BASE_URL at the OpenAI Chat Completions stand-in)
 * with COPILOT_OFFLINE=true, so no GitHub sign-in, telemetry or update check. HOME, XDG_* and
 * COPILOT_HOME in a temp folder. The platform binary runs directly: the npm loader runs it with
 * spawnSync and would not pass a signal on. See AGENTS-HARNESS.md.
 */
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StandIn } from '../stand-in/core.js';
import { launch, makeHome, NODE_MODULES, once, probeVersion, requireInCi, scrubbedEnv, type AgentProcess, type AgentResult, type Availability, type Home } from './common.js';

/** A model id Copilot knows the limits and prompting of. BYOK requires one (COPILOT_MODEL). */
export const COPILOT_MODEL = 'gpt-4.1';

/** Copilot's hook events (HookType in schemas/api.schema.json of 1.0.102). */
export const COPILOT_EVENTS = ['sessionStart', 'userPromptSubmitted', 'preToolUse', 'permissionRequest', 'postToolUse', 'postToolUseFailure', 'agentStop', 'subagentStart', 'subagentStop', 'preCompact', 'errorOccurred', 'notification', 'sessionEnd'];

/** The platform packages' executables, best first. */
export function copilotCandidates(): string[] {
  const os = process.platform === 'win32' ? 'win32' : process.platform;
  const exe = process.platform === 'win32' ? 'copilot.exe' : 'copilot';
  return [`copilot-${os}-${process.arch}`, `copilot-linuxmusl-${process.arch}`].map((p) => path.join(NODE_MODULES, '@github', p, exe));
}

/** The first platform binary that runs (`--version`); a skip reason (or, under CI, a failure) when none does. */
export const copilotAvailability = once((): Availability & { bin: string } => {
  let last: Availability = { ok: false, version: null, reason: `copilot: none of ${copilotCandidates().map((c) => path.relative(NODE_MODULES, c)).join(', ')} is installed (npm install)` };
  for (const bin of copilotCandidates().filter((c) => existsSync(c))) {
    last = probeVersion('copilot', bin, ['--version'], { COPILOT_OFFLINE: 'true', COPILOT_AUTO_UPDATE: 'false' });
    if (last.ok) return { ...last, bin };
  }
  return { ...requireInCi(last), bin: '' };
});

export interface CopilotHome extends Home {
  /** $COPILOT_HOME (= <home>/.copilot): config.json, session-state/, user hooks in hooks/. */
  copilotHome: string;
}

export function makeCopilotHome(): CopilotHome {
  const home = makeHome('copilot');
  const copilotHome = path.join(home.dir, '.copilot');
  mkdirSync(copilotHome, { recursive: true });
  return { ...home, copilotHome, env: { ...home.env, COPILOT_HOME: copilotHome } };
}

/**
 * A cache folder to share between the runs of a test file: the first run unpacks about 200 MB
 * (the JS bundle and native addons) into it. Remove it in afterAll.
 */
export function makeCopilotCache(): { dir: string; cleanup(): void } {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'copilot-cache-')));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Write `<repo>/.github/hooks/<name>.json` (Copilot's camelCase format; timeouts in seconds). */
export function writeCopilotHooks(repo: string, commands: Record<string, string>, name = 'sortie-probe', timeoutSec = 30): string {
  const hooks: Record<string, unknown> = {};
  for (const [event, command] of Object.entries(commands)) hooks[event] = [{ type: 'command', bash: command, timeoutSec }];
  const file = path.join(repo, '.github', 'hooks', `${name}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ version: 1, hooks }, null, 2) + '\n');
  return file;
}

export interface CopilotRunOptions {
  repo: string;
  prompt: string;
  standIn: StandIn;
  home: CopilotHome;
  /** COPILOT_CACHE_HOME; default: a folder inside home (unpacked again each time). */
  cacheDir?: string;
  /** Resume a session by id (--resume=<id>). */
  resume?: string;
  /**
   * How the repo's hooks get trusted: 'flag' (--trust-folder), 'env' (COPILOT_ALLOW_ALL=true) or
   * 'none' (repo hooks are then skipped silently). Default 'flag', or 'env' when resuming:
   * Copilot refuses --trust-folder together with --resume.
   */
  trust?: 'flag' | 'env' | 'none';
  /** COPILOT_PROVIDER_MAX_PROMPT_TOKENS: with a step reporting prompt_tokens near it, Copilot compacts. */
  maxPromptTokens?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

function trustOf(opts: Pick<CopilotRunOptions, 'trust' | 'resume'>): 'flag' | 'env' | 'none' {
  return opts.trust ?? (opts.resume === undefined ? 'flag' : 'env');
}

export function copilotEnv(opts: Pick<CopilotRunOptions, 'standIn' | 'home' | 'cacheDir' | 'trust' | 'resume' | 'maxPromptTokens' | 'env'>): Record<string, string> {
  const env: Record<string, string> = {
    ...scrubbedEnv(),
    ...opts.home.env,
    COPILOT_OFFLINE: 'true',
    COPILOT_AUTO_UPDATE: 'false',
    COPILOT_PROVIDER_BASE_URL: `${opts.standIn.url}/v1`,
    COPILOT_PROVIDER_TYPE: 'openai',
    COPILOT_PROVIDER_API_KEY: 'stand-in',
    COPILOT_MODEL,
  };
  if (opts.cacheDir) env.COPILOT_CACHE_HOME = opts.cacheDir;
  if (trustOf(opts) === 'env') env.COPILOT_ALLOW_ALL = 'true';
  if (opts.maxPromptTokens !== undefined) env.COPILOT_PROVIDER_MAX_PROMPT_TOKENS = String(opts.maxPromptTokens);
  return { ...env, ...opts.env };
}

export function copilotArgs(opts: CopilotRunOptions): string[] {
  // --allow-all-tools alone still denies a command that names a path outside the repo
  // ("Path permission needed: /usr/bin/node ... Denied, no one to approve"): allow paths too.
  const args = ['-p', opts.prompt, '--allow-all-tools', '--allow-all-paths', '--no-auto-update'];
  if (trustOf(opts) === 'flag') {
    if (opts.resume !== undefined) throw new Error("copilot: --trust-folder cannot be used with --resume (Copilot's own error); use trust: 'env'");
    args.push('--trust-folder');
  }
  if (opts.resume !== undefined) args.push(`--resume=${opts.resume}`);
  return [...args, ...(opts.extraArgs ?? [])];
}

/** Start `copilot -p` (the platform binary itself: `signal()` reaches the agent). */
export function startCopilot(opts: CopilotRunOptions): AgentProcess {
  return launch({ label: 'copilot', cmd: copilotAvailability().bin, args: copilotArgs(opts), cwd: opts.repo, env: copilotEnv(opts), standIn: opts.standIn, timeoutMs: opts.timeoutMs });
}

export function runCopilot(opts: CopilotRunOptions): Promise<AgentResult> {
  return startCopilot(opts).result;
}
