import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../git.js';
import { obj, startSource, str } from '../payload.js';
import type { AgentAdapter, AgentEvent, HookKind } from '../types.js';

/**
 * Gemini CLI (0.61.0; test/helpers/agents/AGENTS-HARNESS.md). Hooks in `.gemini/settings.json`
 * (Claude's shape, timeouts in milliseconds, stdout JSON only), run only in a trusted folder
 * (setup.ts). The context is a `<hook_context>` part of the user turn. What it lacks, and how
 * sortie makes up for it:
 * - its shell has no session variable and no env file: BeforeTool rewrites each shell command to
 *   export SORTIE_MISSION and put the `sortie` shim on PATH;
 * - its shell disables git hooks (core.hooksPath=""): BeforeTool guards `git commit`, AfterTool
 *   records the commits (gitHooksRun: false);
 * - no start event follows a compression, and PreCompress fires before every request: the gate
 *   below lets only a real compression take a checkpoint, whose context is delivered by the next
 *   BeforeAgent or AfterTool (compaction: 'deferred').
 */
const EVENTS: Record<string, HookKind> = {
  SessionStart: 'start',
  BeforeAgent: 'heartbeat',
  AfterAgent: 'heartbeat',
  BeforeTool: 'pretool',
  AfterTool: 'posttool',
  PreCompress: 'precompact',
  SessionEnd: 'end',
};

/** The events whose `hookSpecificOutput.additionalContext` reaches the model. */
const CARRIES_CONTEXT = new Set(['SessionStart', 'BeforeAgent', 'AfterTool']);

/** Gemini compresses when the last prompt's tokens reach this share of the model's limit (its default; `model.compressionThreshold`). */
const DEFAULT_THRESHOLD = 0.5;

function modelLimit(model: string | undefined): number {
  return model?.startsWith('gemma-4') ? 256_000 : 1_048_576;
}

/** The last bytes of a file (the transcript's tail holds the last response's token counts). */
function tail(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function threshold(projectDir: string, env: Env): number {
  const home = env.GEMINI_CLI_HOME ?? env.HOME;
  for (const file of [join(projectDir, '.gemini', 'settings.json'), ...(home ? [join(home, '.gemini', 'settings.json')] : [])]) {
    try {
      const t = (JSON.parse(readFileSync(file, 'utf8')) as { model?: { compressionThreshold?: unknown } }).model?.compressionThreshold;
      if (typeof t === 'number' && t > 0) return t;
    } catch {
      // no file, or not plain JSON: the next one, then the default
    }
  }
  return DEFAULT_THRESHOLD;
}

/**
 * Whether this PreCompress comes before a real compression: Gemini's own test, the last prompt's
 * token count (recorded in the transcript with the response) against the threshold times the
 * model's limit. It cannot see Gemini's other condition (an earlier user turn to split at), so a
 * first prompt that is already over the threshold is checkpointed once per request.
 */
export function geminiCompresses(ev: AgentEvent, env: Env): boolean {
  if (!ev.transcriptPath) return false;
  let text: string;
  try {
    text = tail(ev.transcriptPath, 64 * 1024);
  } catch {
    return false;
  }
  const tokens = [...text.matchAll(/"tokens"\s*:\s*\{\s*"input"\s*:\s*(\d+)/g)].pop()?.[1];
  if (!tokens) return false;
  const model = [...text.matchAll(/"model"\s*:\s*"([^"]+)"/g)].pop()?.[1];
  return Number(tokens) >= threshold(ev.projectDir, env) * modelLimit(model);
}

export const geminiCli: AgentAdapter = {
  name: 'gemini-cli',
  aliases: ['gemini'],
  label: 'Gemini CLI',
  events: EVENTS,
  toEvent(event, payload, env, fallbackCwd) {
    const cwd = str(payload.cwd) ?? str(env.GEMINI_CWD) ?? fallbackCwd;
    const toolName = str(payload.tool_name);
    const input = obj(payload.tool_input);
    return {
      agent: 'gemini-cli',
      event,
      kind: EVENTS[event] ?? 'heartbeat',
      sessionId: str(payload.session_id) ?? str(env.GEMINI_SESSION_ID),
      transcriptPath: str(payload.transcript_path),
      cwd,
      projectDir: str(env.GEMINI_PROJECT_DIR) ?? cwd,
      source: startSource(payload.source) ?? (event === 'SessionStart' ? 'startup' : undefined),
      reason: str(payload.reason) ?? str(payload.trigger),
      tool: toolName ? { name: toolName, shell: toolName === 'run_shell_command', command: str(input?.command) } : undefined,
    };
  },
  contextOutput: (event, context) => (CARRIES_CONTEXT.has(event) ? JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: context } }) : undefined),
  preToolOutput(event, a) {
    if (a.deny) return JSON.stringify({ decision: 'deny', reason: a.deny });
    if (a.command) return JSON.stringify({ hookSpecificOutput: { hookEventName: event, tool_input: { command: a.command } } });
    return undefined;
  },
  shell: { sessionVars: [], markers: ['GEMINI_CLI'], rewrite: true, sortieOnPath: true },
  gitHooksRun: false,
  compaction: 'deferred',
  precompactGate: geminiCompresses,
  projectVar: '$GEMINI_PROJECT_DIR',
  pidVars: [],
  deadlineMs: { start: 8000, end: 3000, precompact: 8000, heartbeat: 3000, pretool: 8000, posttool: 5000 },
  setup: async () => (await import('./setup.js')).geminiCliSetup,
};
