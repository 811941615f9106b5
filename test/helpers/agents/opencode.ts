/**
 * The real OpenCode CLI (opencode-ai, the project's devDependency) run offline: `opencode run`
 * against the OpenAI Chat Completions stand-in through an `@ai-sdk/openai-compatible` provider in
 * the user's global config ($XDG_CONFIG_HOME/opencode/opencode.json), HOME and XDG_* in a temp
 * folder. OpenCode installs `@opencode-ai/plugin` into every config folder at start-up; the
 * harness pre-seeds each with a package.json, a lock naming every dependency and an empty
 * node_modules, so it never does, and points npm at a dead port in case it tries.
 * See AGENTS-HARNESS.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from '../stand-in/core.js';
import { DEAD_URL, launch, makeHome, NODE_MODULES, once, probeVersion, requireInCi, scrubbedEnv, type AgentProcess, type AgentResult, type Availability, type Home } from './common.js';
import { ENV_PATTERN, MARKER, SECRET_PATTERN, type Probe } from './probe.js';

export const OPENCODE_MODEL = 'standin/stand-in';

/**
 * The platform package binaries, best first. opencode-ai's own bin/opencode.exe is a stub until
 * its postinstall (denied in package.json allowScripts) links one of these into place.
 */
export function opencodeCandidates(): string[] {
  const platform = ({ darwin: 'darwin', linux: 'linux', win32: 'windows' } as Record<string, string>)[process.platform] ?? process.platform;
  const base = `opencode-${platform}-${process.arch}`;
  const exe = process.platform === 'win32' ? 'opencode.exe' : 'opencode';
  return [base, `${base}-baseline`, `${base}-musl`, `${base}-baseline-musl`].map((p) => path.join(NODE_MODULES, p, 'bin', exe));
}

/** The first platform binary that runs (`--version`); a skip reason (or, under CI, a failure) when none does. */
export const opencodeAvailability = once((): Availability & { bin: string } => {
  let last: Availability = { ok: false, version: null, reason: `opencode: none of ${opencodeCandidates().map((c) => path.relative(NODE_MODULES, c)).join(', ')} is installed (npm install)` };
  for (const bin of opencodeCandidates().filter((c) => existsSync(c))) {
    last = probeVersion('opencode', bin, ['--version']);
    if (last.ok) return { ...last, bin };
  }
  return { ...requireInCi(last), bin: '' };
});

/**
 * Make OpenCode skip its start-up `npm install` into `dir` (a config folder): node_modules/ must
 * exist and every dependency of package.json, plus @opencode-ai/plugin, must be listed in
 * package-lock.json's root package. Existing dependencies are kept.
 */
export function stubOpencodeDeps(dir: string): void {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  const pkgFile = path.join(dir, 'package.json');
  const pkg = existsSync(pkgFile) ? JSON.parse(readFileSync(pkgFile, 'utf8')) : {};
  pkg.dependencies = { '@opencode-ai/plugin': '*', ...pkg.dependencies };
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2) + '\n');
  writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: pkg.dependencies } } }, null, 2) + '\n');
}

export interface OpencodeHome extends Home {
  /** $XDG_CONFIG_HOME/opencode: the global config folder. */
  configDir: string;
}

export function makeOpencodeHome(): OpencodeHome {
  const home = makeHome('opencode');
  const configDir = path.join(home.env.XDG_CONFIG_HOME!, 'opencode');
  mkdirSync(configDir, { recursive: true });
  stubOpencodeDeps(configDir);
  return { ...home, configDir };
}

export interface OpencodeConfigOptions {
  /** The model's context limit; small with a high `prompt_tokens` step forces compaction. Default 100 000. */
  contextLimit?: number;
  outputLimit?: number;
}

/** Write the global config: the stand-in provider as the (small) model, tools allowed, no sharing or updates. */
export function writeOpencodeConfig(home: OpencodeHome, standIn: StandIn, opts: OpencodeConfigOptions = {}): void {
  const config = {
    $schema: 'https://opencode.ai/config.json',
    provider: {
      standin: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Stand-in',
        options: { baseURL: `${standIn.url}/v1`, apiKey: 'stand-in' },
        models: { 'stand-in': { name: 'stand-in', tool_call: true, limit: { context: opts.contextLimit ?? 100_000, output: opts.outputLimit ?? 4096 } } },
      },
    },
    model: OPENCODE_MODEL,
    small_model: OPENCODE_MODEL,
    permission: { bash: 'allow', edit: 'allow', task: 'allow' },
    autoupdate: false,
    share: 'disabled',
  };
  writeFileSync(path.join(home.configDir, 'opencode.json'), JSON.stringify(config, null, 2) + '\n');
}

/**
 * The probe as a project plugin (`<repo>/.opencode/plugins/sortie-probe.js`, plain JS importing
 * nothing): logs the session events, the compaction hook and every shell.env call; adds the
 * context marker as a system message; exports SORTIE_PROBE_SESSION into shell commands.
 */
export function writeOpencodeProbe(repo: string, probe: Probe): string {
  const dir = path.join(repo, '.opencode');
  const file = path.join(dir, 'plugins', 'sortie-probe.js');
  mkdirSync(path.dirname(file), { recursive: true });
  stubOpencodeDeps(dir);
  writeFileSync(
    file,
    `// sortie test probe (see test/helpers/agents/opencode.ts)
import { appendFileSync } from 'node:fs';
const LOG = ${JSON.stringify(probe.log)};
const PICK = new RegExp(${JSON.stringify(ENV_PATTERN)});
const SECRET = new RegExp(${JSON.stringify(SECRET_PATTERN)});
const env = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => PICK.test(k) && !SECRET.test(k)));
const log = (event, payload) => appendFileSync(LOG, JSON.stringify({ kind: 'plugin', agent: 'opencode', event, payload, env: env(), cwd: process.cwd(), pid: process.pid, ppid: process.ppid, at: Date.now() }) + '\\n');
const EVENTS = /^session\\.(created|idle|compacted|deleted|error)$/;
export const SortieProbe = async (ctx) => {
  log('plugin.init', { directory: ctx.directory, worktree: ctx.worktree });
  return {
    event: async ({ event }) => { if (EVENTS.test(event.type)) log('event:' + event.type, event.properties); },
    'chat.message': async (input) => log('chat.message', input),
    'experimental.chat.system.transform': async (input, output) => {
      log('experimental.chat.system.transform', { sessionID: input.sessionID, system0: String(output.system[0] ?? '').slice(0, 80) });
      output.system.push(${JSON.stringify(MARKER)} + ' opencode ' + input.sessionID);
    },
    'tool.execute.before': async (input, output) => log('tool.execute.before', { input, args: output.args }),
    'shell.env': async (input, output) => {
      log('shell.env', input);
      output.env.SORTIE_PROBE_SESSION = input.sessionID;
    },
    'tool.execute.after': async (input) => log('tool.execute.after', input),
    'experimental.session.compacting': async (input, output) => {
      log('experimental.session.compacting', input);
      output.context.push('SORTIE-PROBE-COMPACT opencode ' + input.sessionID);
    },
    dispose: async () => log('dispose', {}),
  };
};
`,
  );
  return file;
}

export interface OpencodeRunOptions extends OpencodeConfigOptions {
  repo: string;
  prompt: string;
  standIn: StandIn;
  home: OpencodeHome;
  /** Continue a session: its id, or 'last' (--continue). */
  resume?: string;
  extraArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Re-seed the project's `.opencode/` dependency stubs before the run (default true); false runs with whatever the repository has (what `sortie init` wrote). */
  stubProject?: boolean;
}

export function opencodeEnv(home: Home, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...scrubbedEnv(),
    ...home.env,
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
    // Should a config folder lack its stubs, OpenCode's dependency install fails fast instead of reaching a registry.
    npm_config_registry: DEAD_URL,
    ...extra,
  };
}

/** Start `opencode run` (the platform binary itself: `signal()` reaches the agent). */
export function startOpencode(opts: OpencodeRunOptions): AgentProcess {
  const { bin } = opencodeAvailability();
  writeOpencodeConfig(opts.home, opts.standIn, opts);
  const dotOpencode = path.join(opts.repo, '.opencode');
  if (opts.stubProject !== false && existsSync(dotOpencode)) stubOpencodeDeps(dotOpencode);
  const args = ['run', '-m', OPENCODE_MODEL];
  if (opts.resume !== undefined) args.push(...(opts.resume === 'last' ? ['--continue'] : ['--session', opts.resume]));
  args.push(...(opts.extraArgs ?? []), opts.prompt);
  return launch({ label: 'opencode', cmd: bin, args, cwd: opts.repo, env: opencodeEnv(opts.home, opts.env), standIn: opts.standIn, timeoutMs: opts.timeoutMs });
}

export function runOpencode(opts: OpencodeRunOptions): Promise<AgentResult> {
  return startOpencode(opts).result;
}
