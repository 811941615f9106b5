/**
 * A probe for the agents' hook systems, independent of sortie: a tiny node script that appends
 * each hook's stdin payload (and the agent-related environment, cwd, pid) to a JSONL file, and
 * answers the events that can feed the model in that agent's own format:
 * - start events print a context marker (`SORTIE-PROBE-CONTEXT <agent> <session id>`);
 * - Gemini's BeforeTool rewrites a shell command to export SORTIE_PROBE_SESSION first.
 * The same script run as `probe.mjs shell <label> <log>` from an agent's shell records what that
 * shell command saw. OpenCode's plugin and pi's extension (in their harness modules) write to the
 * same log in the same record shape.
 */
import { appendFileSync, chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJsonl, sq } from './common.js';

export const MARKER = 'SORTIE-PROBE-CONTEXT';

/** A shell step making a commit in the repo (with `gitHook` installed, it shows whether git hooks run). */
export const COMMIT_STEP = 'git commit -q --allow-empty -m "probe commit" && echo committed';

/** The context marker the probe gives the model for one session. */
export const marker = (agent: string, sessionId: string) => `${MARKER} ${agent} ${sessionId}`;

/** Environment variables the probe records (agent identities, hook variables, git's, our own)... */
export const ENV_PATTERN = '^(CODEX_|GEMINI_|COPILOT_|CLAUDE_|OPENCODE|PI_|AGENT$|SORTIE_|PWD$|GIT_)';
/** ...except these (API keys and the like). */
export const SECRET_PATTERN = '(API_?KEY|TOKEN|SECRET|PASSWORD)';

export interface ProbeRecord {
  kind: 'hook' | 'shell' | 'plugin';
  agent: string;
  /** The hook event (hook/plugin), or the shell step's label. */
  event: string;
  /** The hook's stdin JSON (hooks) or the plugin's input (plugins). */
  payload?: any;
  env: Record<string, string>;
  cwd: string;
  pid: number;
  ppid: number;
  /** Hook and shell records: the ancestors of the probe process (pid, comm), nearest first. */
  chain?: { pid: number; comm: string }[];
  at: number;
}

const SCRIPT = String.raw`#!/usr/bin/env node
// Probe: node probe.mjs <agent> <event> <log>   (a hook: stdin is the payload)
//        node probe.mjs shell <label> <log>     (a shell command run by the agent)
import { appendFileSync, readFileSync } from 'node:fs';
const [mode, event, log] = process.argv.slice(2);
// The ancestors (pid, comm), nearest first: which process the agent is, seen from here.
const chain = [];
for (let p = process.ppid; p > 1 && chain.length < 8; ) {
  let stat;
  try { stat = readFileSync('/proc/' + p + '/stat', 'utf8'); } catch { break; }
  chain.push({ pid: p, comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
  p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
const pick = new RegExp(process.env.PROBE_ENV_PATTERN || ${JSON.stringify(ENV_PATTERN)});
const secret = new RegExp(${JSON.stringify(SECRET_PATTERN)});
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => pick.test(k) && !secret.test(k)));
const record = (kind, agent, payload) => appendFileSync(log, JSON.stringify({ kind, agent, event, payload, env, cwd: process.cwd(), pid: process.pid, ppid: process.ppid, chain, at: Date.now() }) + '\n');
if (mode === 'shell') {
  record('shell', 'shell');
  process.stdout.write('probe shell ' + event + ' ok\n');
  process.exit(0);
}
const agent = mode;
let raw = '';
const done = () => {
  let payload;
  try { payload = JSON.parse(raw); } catch { payload = { raw }; }
  record('hook', agent, payload);
  const sid = payload.session_id ?? payload.sessionId ?? '';
  const context = ${JSON.stringify(MARKER)} + ' ' + agent + ' ' + sid;
  let out;
  if (agent === 'codex' && event === 'SessionStart') out = { hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } };
  if (agent === 'gemini' && event === 'SessionStart') out = { hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: context } };
  if (agent === 'gemini' && event === 'BeforeTool' && payload.tool_name === 'run_shell_command' && typeof payload.tool_input?.command === 'string')
    out = { hookSpecificOutput: { hookEventName: 'BeforeTool', tool_input: { command: 'export SORTIE_PROBE_SESSION=' + sid + '; ' + payload.tool_input.command } } };
  if (agent === 'copilot' && event === 'sessionStart') out = { additionalContext: context };
  if (out) process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => (raw += d));
process.stdin.on('end', done);
setTimeout(done, 5000).unref();
`;

export interface Probe {
  /** The temp folder holding the script and the log. */
  dir: string;
  script: string;
  /** The JSONL log every hook, plugin and shell step appends to. */
  log: string;
  /** All records so far. */
  records(): ProbeRecord[];
  /** Hook/plugin records of one event. */
  events(event: string): ProbeRecord[];
  /** Shell-step records (of one label, or all). */
  shells(label?: string): ProbeRecord[];
  /** The sh command line a hook config runs for `event`. */
  hookCommand(agent: string, event: string): string;
  /** A shell command for the stand-in's script: records the env and cwd the agent's shell gave it. */
  shellStep(label: string): string;
  /**
   * Install `<repo>/.git/hooks/<hook>` (default commit-msg) recording, as shell step `git-<hook>`,
   * what a git hook run by the agent's own `git commit` sees.
   */
  gitHook(repo: string, hook?: string): void;
  cleanup(): void;
}

export function makeProbe(): Probe {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'agent-probe-')));
  const script = path.join(dir, 'probe.mjs');
  const log = path.join(dir, 'probe.jsonl');
  writeFileSync(script, SCRIPT, { mode: 0o755 });
  appendFileSync(log, '');
  const records = () => readJsonl(log) as ProbeRecord[];
  return {
    dir,
    script,
    log,
    records,
    events: (event) => records().filter((r) => r.kind !== 'shell' && r.event === event),
    shells: (label) => records().filter((r) => r.kind === 'shell' && (label === undefined || r.event === label)),
    // The absolute node path: login shells (Codex runs bash -lc) may not have the test's node on PATH.
    hookCommand: (agent, event) => `${sq(process.execPath)} ${sq(script)} ${agent} ${event} ${sq(log)}`,
    shellStep: (label) => `${sq(process.execPath)} ${sq(script)} shell ${label} ${sq(log)}`,
    gitHook(repo, hook = 'commit-msg') {
      const file = path.join(repo, '.git', 'hooks', hook);
      writeFileSync(file, `#!/bin/sh\n${sq(process.execPath)} ${sq(script)} shell git-${hook} ${sq(log)} >/dev/null\n`);
      chmodSync(file, 0o755);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
