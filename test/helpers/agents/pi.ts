/**
 * The real pi coding agent (@mariozechner/pi-coding-agent, the project's devDependency) run
 * offline: `pi --offline -p` (or `--mode rpc`) against the OpenAI Chat Completions stand-in
 * through a custom provider in $PI_CODING_AGENT_DIR/models.json, HOME in a temp folder. pi is
 * one node process; `--mode rpc` takes JSON commands on stdin (the reliable way to compact).
 * See AGENTS-HARNESS.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StandIn } from '../stand-in/core.js';
import { checkAvailable, launch, makeHome, NODE_MODULES, once, scrubbedEnv, waitUntil, type AgentProcess, type AgentResult, type Home } from './common.js';
import { ENV_PATTERN, MARKER, SECRET_PATTERN, type Probe } from './probe.js';

export const PI_ENTRY = path.join(NODE_MODULES, '@mariozechner', 'pi-coding-agent', 'dist', 'cli.js');
export const PI_PROVIDER = 'standin';
export const PI_MODEL = 'stand-in';

/** The extension events the probe listens to (docs/extensions.md of 0.73.1). */
export const PI_EVENTS = ['session_start', 'before_agent_start', 'agent_start', 'agent_end', 'turn_end', 'tool_call', 'tool_result', 'session_before_compact', 'session_compact', 'session_shutdown'];

export const piAvailability = once(() => checkAvailable('pi', process.execPath, [PI_ENTRY, '--version']));

export interface PiHome extends Home {
  /** $PI_CODING_AGENT_DIR (= <home>/.pi/agent): models.json, sessions/, settings. */
  agentDir: string;
}

export function makePiHome(): PiHome {
  const home = makeHome('pi');
  const agentDir = path.join(home.dir, '.pi', 'agent');
  mkdirSync(agentDir, { recursive: true });
  return { ...home, agentDir, env: { ...home.env, PI_CODING_AGENT_DIR: agentDir } };
}

/** Write models.json: the stand-in as an openai-completions provider (context window to force compaction). */
export function writePiModels(home: PiHome, standIn: StandIn, contextWindow = 100_000): void {
  const models = {
    providers: {
      [PI_PROVIDER]: {
        baseUrl: `${standIn.url}/v1`,
        api: 'openai-completions',
        apiKey: 'stand-in',
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [{ id: PI_MODEL, contextWindow, maxTokens: 4096 }],
      },
    },
  };
  writeFileSync(path.join(home.agentDir, 'models.json'), JSON.stringify(models, null, 2) + '\n');
}

/**
 * The probe as a project extension (`<repo>/.pi/extensions/sortie-probe.ts`): logs the events,
 * appends the context marker to the system prompt in before_agent_start, and replaces the bash
 * tool with one whose spawnHook exports SORTIE_PROBE_SESSION (the session id) to every command.
 */
export function writePiProbe(repo: string, probe: Probe): string {
  const file = path.join(repo, '.pi', 'extensions', 'sortie-probe.ts');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(
    file,
    `// sortie test probe (see test/helpers/agents/pi.ts)
import { appendFileSync } from 'node:fs';
import { createBashTool } from '@mariozechner/pi-coding-agent';

const LOG = ${JSON.stringify(probe.log)};
const PICK = new RegExp(${JSON.stringify(ENV_PATTERN)});
const SECRET = new RegExp(${JSON.stringify(SECRET_PATTERN)});
const env = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => PICK.test(k) && !SECRET.test(k)));
const log = (event: string, payload: unknown) => appendFileSync(LOG, JSON.stringify({ kind: 'plugin', agent: 'pi', event, payload, env: env(), cwd: process.cwd(), pid: process.pid, ppid: process.ppid, at: Date.now() }) + '\\n');
// Event objects can hold whole message lists: keep the scalar fields.
const slim = (e: any) => Object.fromEntries(Object.entries(e ?? {}).filter(([, v]) => v === null || typeof v !== 'object'));

export default function (pi: any) {
  for (const name of ${JSON.stringify(PI_EVENTS.filter((e) => e !== 'before_agent_start'))}) {
    pi.on(name, async (event: any, ctx: any) => {
      log(name, { event: slim(event), sessionId: ctx.sessionManager.getSessionId(), sessionFile: ctx.sessionManager.getSessionFile(), cwd: ctx.cwd, hasUI: ctx.hasUI });
    });
  }
  pi.on('before_agent_start', async (event: any, ctx: any) => {
    const sessionId = ctx.sessionManager.getSessionId();
    log('before_agent_start', { event: slim(event), sessionId, cwd: ctx.cwd });
    return { systemPrompt: event.systemPrompt + '\\n\\n' + ${JSON.stringify(MARKER)} + ' pi ' + sessionId };
  });
  const bash = createBashTool(process.cwd());
  pi.registerTool({
    ...bash,
    async execute(id: string, params: any, signal: any, onUpdate: any, ctx: any) {
      const sessionId = ctx.sessionManager.getSessionId();
      const tool = createBashTool(ctx.cwd, { spawnHook: ({ command, cwd, env }: any) => ({ command, cwd, env: { ...env, SORTIE_PROBE_SESSION: sessionId } }) });
      return tool.execute(id, params, signal, onUpdate);
    },
  });
}
`,
  );
  return file;
}

export interface PiRunOptions {
  repo: string;
  /** The prompt for -p; in rpc mode, send it with rpc.prompt(). */
  prompt?: string;
  standIn: StandIn;
  home: PiHome;
  /** 'print' (-p, default) or 'rpc' (--mode rpc: JSON commands on stdin). */
  mode?: 'print' | 'rpc';
  /** Continue a session: 'last' (--continue) or a session id or file (--session). */
  resume?: string;
  contextWindow?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
  timeoutMs?: number;
}

export function piArgs(opts: PiRunOptions): string[] {
  const args = [PI_ENTRY, '--offline', '--provider', PI_PROVIDER, '--model', PI_MODEL];
  if (opts.resume !== undefined) args.push(...(opts.resume === 'last' ? ['--continue'] : ['--session', opts.resume]));
  if (opts.mode === 'rpc') args.push('--mode', 'rpc');
  args.push(...(opts.extraArgs ?? []));
  if (opts.mode !== 'rpc') {
    if (opts.prompt === undefined) throw new Error('pi: -p needs a prompt');
    args.push('-p', opts.prompt);
  }
  return args;
}

/** Start pi (one node process: `signal()` reaches the agent). In rpc mode stdin is a pipe. */
export function startPi(opts: PiRunOptions): AgentProcess {
  writePiModels(opts.home, opts.standIn, opts.contextWindow);
  return launch({
    label: 'pi',
    cmd: process.execPath,
    args: piArgs(opts),
    cwd: opts.repo,
    env: { ...scrubbedEnv(), ...opts.home.env, ...opts.env },
    standIn: opts.standIn,
    timeoutMs: opts.timeoutMs,
    stdin: opts.mode === 'rpc' ? 'pipe' : 'ignore',
  });
}

export function runPi(opts: PiRunOptions): Promise<AgentResult> {
  return startPi(opts).result;
}

/** A client for `pi --mode rpc`: JSON lines in, responses and events (JSON lines) out. */
export interface PiRpc {
  /** Send a command and wait for its `response` (matched by id); rejects on success:false. */
  command(cmd: Record<string, unknown>, timeoutMs?: number): Promise<any>;
  /** Wait for the first event of `type` after `after` events have been seen (default: any). */
  event(type: string, timeoutMs?: number, after?: number): Promise<any>;
  /** Everything pi printed, parsed. */
  messages(): any[];
}

export function piRpc(proc: AgentProcess): PiRpc {
  let n = 0;
  const messages = () =>
    proc
      .stdout()
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return undefined;
        }
      })
      .filter((m) => m !== undefined);
  return {
    messages,
    async command(cmd, timeoutMs = 60_000) {
      const id = `t${++n}`;
      proc.write(JSON.stringify({ ...cmd, id }) + '\n');
      const res = await waitUntil(`pi rpc response to ${JSON.stringify(cmd)}`, timeoutMs, () => messages().find((m) => m.type === 'response' && m.id === id));
      if (res.success === false) throw new Error(`pi rpc ${String(cmd.type)} failed: ${JSON.stringify(res)}`);
      return res;
    },
    event: (type, timeoutMs = 60_000, after = 0) => waitUntil(`pi rpc event ${type}`, timeoutMs, () => messages().slice(after).find((m) => m.type === type)),
  };
}
