/**
 * The shared core of the loopback model stand-ins: one HTTP server on 127.0.0.1 (port 0), one
 * scripted-step player, one request log. Each wire format (Anthropic Messages, OpenAI Responses,
 * OpenAI Chat Completions, Gemini v1beta) is a small `Wire` that classifies a request and renders
 * the chosen step in its own format (see the sibling files and test/helpers/agents/AGENTS-HARNESS.md).
 *
 * A script is a list of steps. Only main-loop requests (the wire decides: a request offering the
 * agent's tools) consume a step; side requests (titles, summaries, token counts, model lists) are
 * answered without consuming one. After the last step every main request is answered "done".
 */
import { appendFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Token counts a step reports in its response's usage (to force an agent to compact). */
export interface Usage {
  prompt_tokens?: number;
  output_tokens?: number;
}

export type Step =
  /** A shell command, sent to whichever shell tool the request offers. */
  | string
  | ({ shell: string; description?: string } & Usage)
  /** A call of any offered tool; required parameters left out are filled from its schema. */
  | ({ tool: string; args?: Record<string, unknown> } & Usage)
  /** A final text answer: ends the agent's turn. */
  | ({ text: string } & Usage)
  /** Never answer: hold the request open until the client goes away or the stand-in closes. */
  | { hang: true };

export type Script = Step[] | ((req: Captured, index: number) => Step | undefined);

/** A tool as offered in a request: its name and its JSON schema (parameters). */
export interface ToolDef {
  name: string;
  schema?: unknown;
}

/** What the stand-in answers a main-loop request with, resolved from a step. */
export type Action =
  | { type: 'call'; name: string; args: Record<string, unknown>; id: string; usage: Required<Usage> }
  | { type: 'text'; text: string; usage: Required<Usage> }
  | { type: 'hang' };

export interface Captured {
  /** 1-based arrival number. */
  n: number;
  method: string;
  /** Path with query string, as sent. */
  url: string;
  /** Path without the query string. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Raw body text. */
  raw: string;
  /** Parsed JSON body, or undefined. */
  body: any;
  /** What the wire took this request for: 'main', 'title', 'summary', 'models', 'count-tokens', ... */
  kind: string;
  /** True when this request consumed a script step. */
  main: boolean;
  /** Index among main requests (the script index), or -1. */
  mainIndex: number;
  /** Names of the tools the request offered. */
  tools: string[];
  /** Whether the client asked for a stream. */
  stream: boolean;
  /** The step that answered it (main requests; undefined once the script is done). */
  step?: Step;
  /** The resolved answer (main requests). */
  action?: Action;
  /** Set when the step could not be honoured (e.g. its tool was not offered). */
  error?: string;
  /** ms since the stand-in started. */
  at: number;
}

export interface StandInOptions {
  script?: Script;
  /** Append every request as one JSON line to this file (besides keeping it in memory). */
  logFile?: string;
  /** Usage main-loop answers report when their step does not say; default prompt 100, output 5 tokens. Side requests always report the default. */
  usage?: Usage;
  /** Text of the final answer once the script is done. Default "done". */
  doneText?: string;
  /** Largest accepted request body. Default 32 MiB. */
  maxBodyBytes?: number;
  /** Requests served before the stand-in answers 503 to everything. Default 2000. */
  maxRequests?: number;
}

export interface WireCtx {
  /** Consume the next step for this main-loop request, resolved against the tools it offers. */
  next(tools: ToolDef[]): Action;
  /** The usage to report for a side request (always the small default). */
  usage(): Required<Usage>;
}

export interface Wire {
  readonly name: string;
  /** Answer one request (set `req.kind`, `req.tools`, `req.stream` for the log). */
  handle(req: Captured, res: http.ServerResponse, ctx: WireCtx): void;
}

export interface StandIn {
  /** http://127.0.0.1:<port> (no trailing slash, no /v1). */
  url: string;
  port: number;
  wire: string;
  /** Every request, in arrival order. */
  requests: Captured[];
  /** The requests that consumed a step. */
  mainRequests(): Captured[];
  /** Every raw body joined (to assert a marker reached the model). */
  allText(): string;
  /** Resolves with the first request (already seen or still to come) that matches. */
  waitFor(pred: (r: Captured) => boolean, timeoutMs: number, what?: string): Promise<Captured>;
  /** Resolves when the n-th (1-based) main request has arrived. */
  waitForMain(n: number, timeoutMs: number): Promise<Captured>;
  close(): Promise<void>;
}

/** Shell tool names the stand-in looks for, in order: Codex, Gemini, OpenCode/Copilot/pi, Claude, others. */
export const SHELL_TOOLS = ['exec_command', 'run_shell_command', 'bash', 'Bash', 'shell'];

const DEFAULT_USAGE: Required<Usage> = { prompt_tokens: 100, output_tokens: 5 };

let seq = 0;
/** A unique id with a prefix: call ids, message ids, response ids. */
export function newId(prefix: string): string {
  seq += 1;
  return `${prefix}_${Date.now().toString(36)}${seq.toString().padStart(5, '0')}`;
}

function typeOf(schema: any): string | undefined {
  const t = Array.isArray(schema?.type) ? schema.type.find((x: unknown) => x !== 'null') : schema?.type;
  return typeof t === 'string' ? t.toLowerCase() : undefined;
}

/** A plausible value for a JSON schema (Gemini's upper-case types included). */
export function sampleFromSchema(schema: any, name = ''): unknown {
  if (!schema || typeof schema !== 'object') return 'stand-in';
  if ('const' in schema) return schema.const;
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const alt = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alt) && alt.length > 0) return sampleFromSchema(alt.find((s: any) => typeOf(s) !== 'null') ?? alt[0], name);
  switch (typeOf(schema)) {
    case 'string':
      return name === 'description' ? 'stand-in step' : 'stand-in';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
    default:
      return fillRequired(schema, {});
  }
}

/** `args` plus a sampled value for each required property of `schema` that `args` leaves out. */
export function fillRequired(schema: any, args: Record<string, unknown>): Record<string, unknown> {
  const out = { ...args };
  const props = schema?.properties ?? {};
  const required: string[] = Array.isArray(schema?.required) ? schema.required : [];
  for (const key of required) if (!(key in out)) out[key] = sampleFromSchema(props[key], key);
  return out;
}

function resolveStep(step: Step, tools: ToolDef[], usage: Required<Usage>): Action | { error: string; text: string } {
  if (typeof step === 'object' && 'hang' in step) return { type: 'hang' };
  const withUsage = (s: Usage): Required<Usage> => ({
    prompt_tokens: s.prompt_tokens ?? usage.prompt_tokens,
    output_tokens: s.output_tokens ?? usage.output_tokens,
  });
  if (typeof step === 'object' && 'text' in step) return { type: 'text', text: step.text, usage: withUsage(step) };
  if (typeof step === 'string' || 'shell' in step) {
    const command = typeof step === 'string' ? step : step.shell;
    const tool = SHELL_TOOLS.map((n) => tools.find((t) => t.name === n)).find((t) => t !== undefined);
    if (!tool) return { error: `no shell tool offered (tools: ${tools.map((t) => t.name).join(', ')})`, text: 'stand-in error: no shell tool offered' };
    const props = (tool.schema as any)?.properties ?? {};
    const key = 'command' in props || !('cmd' in props) ? 'command' : 'cmd';
    const args: Record<string, unknown> = { [key]: command };
    if (typeof step === 'object' && step.description !== undefined) args.description = step.description;
    return { type: 'call', name: tool.name, args: fillRequired(tool.schema, args), id: '', usage: withUsage(typeof step === 'string' ? {} : step) };
  }
  const tool = tools.find((t) => t.name === step.tool);
  if (!tool) return { error: `tool ${step.tool} not offered (tools: ${tools.map((t) => t.name).join(', ')})`, text: `stand-in error: tool ${step.tool} not offered` };
  return { type: 'call', name: tool.name, args: fillRequired(tool.schema, step.args ?? {}), id: '', usage: withUsage(step) };
}

/** Start a stand-in speaking `wire`. Close it in afterEach/afterAll/finally. */
export async function startStandIn(wire: Wire, opts: StandInOptions = {}): Promise<StandIn> {
  const script = opts.script ?? [];
  const baseUsage: Required<Usage> = { ...DEFAULT_USAGE, ...opts.usage } as Required<Usage>;
  const maxBody = opts.maxBodyBytes ?? 32 * 1024 * 1024;
  const maxRequests = opts.maxRequests ?? 2000;
  const doneText = opts.doneText ?? 'done';
  const requests: Captured[] = [];
  const sockets = new Set<Socket>();
  const held = new Set<http.ServerResponse>();
  const waiters = new Set<{ pred: (r: Captured) => boolean; resolve: (r: Captured) => void }>();
  const t0 = Date.now();
  let mainCount = 0;
  let callCount = 0;

  const log = (r: Captured) => {
    if (!opts.logFile) return;
    const line = { n: r.n, at: r.at, method: r.method, url: r.url, kind: r.kind, main: r.main, step: r.main ? r.mainIndex : null, tools: r.tools, stream: r.stream, error: r.error, body: r.body ?? r.raw };
    appendFileSync(opts.logFile, JSON.stringify(line) + '\n');
  };

  const serve = (req: http.IncomingMessage, res: http.ServerResponse, raw: string) => {
    let body: any;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
    }
    const url = req.url ?? '/';
    const captured: Captured = {
      n: requests.length + 1,
      method: req.method ?? 'GET',
      url,
      path: url.split('?')[0] ?? url,
      headers: req.headers,
      raw,
      body,
      kind: 'other',
      main: false,
      mainIndex: -1,
      tools: [],
      stream: body?.stream === true,
      at: Date.now() - t0,
    };
    requests.push(captured);
    const ctx: WireCtx = {
      usage: () => ({ ...DEFAULT_USAGE }),
      next(tools) {
        const index = mainCount++;
        captured.main = true;
        captured.kind = 'main';
        captured.mainIndex = index;
        captured.tools = tools.map((t) => t.name);
        const step = typeof script === 'function' ? script(captured, index) : script[index];
        captured.step = step;
        const resolved = resolveStep(step ?? { text: doneText }, tools, baseUsage);
        if ('error' in resolved) {
          captured.error = resolved.error;
          return (captured.action = { type: 'text', text: resolved.text, usage: { ...baseUsage } });
        }
        if (resolved.type === 'call') resolved.id = `call_${callCount++}`;
        return (captured.action = resolved);
      },
    };
    try {
      wire.handle(captured, res, ctx);
    } catch (err) {
      captured.error = String(err);
      if (!res.headersSent) sendJson(res, 500, { error: { message: `stand-in: ${String(err)}` } });
      else res.end();
    }
    if (captured.action?.type === 'hang') {
      held.add(res);
      res.on('close', () => held.delete(res));
    }
    log(captured);
    for (const w of [...waiters]) if (w.pred(captured)) w.resolve(captured);
  };

  const server = http.createServer((req, res) => {
    if (requests.length >= maxRequests) {
      req.resume();
      sendJson(res, 503, { error: { message: `stand-in: more than ${maxRequests} requests` } });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxBody) {
        sendJson(res, 413, { error: { message: 'stand-in: body too large' } });
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size <= maxBody) serve(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const waitFor = (pred: (r: Captured) => boolean, timeoutMs: number, what = 'a matching request') => {
    const seen = requests.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise<Captured>((resolve, reject) => {
      const entry = {
        pred,
        resolve: (r: Captured) => {
          clearTimeout(timer);
          waiters.delete(entry);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(entry);
        reject(new Error(`${wire.name} stand-in: ${what} did not arrive within ${timeoutMs} ms (${requests.length} requests seen)`));
      }, timeoutMs);
      waiters.add(entry);
    });
  };

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    wire: wire.name,
    requests,
    mainRequests: () => requests.filter((r) => r.main),
    allText: () => requests.map((r) => r.raw).join('\n'),
    waitFor,
    waitForMain: (n, timeoutMs) => waitFor((r) => r.main && r.mainIndex === n - 1, timeoutMs, `main request #${n}`),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        held.clear();
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}

// ---- small rendering helpers shared by the wires ----

export function sendJson(res: http.ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function startSse(res: http.ServerResponse, extra: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...extra });
}

/** One SSE event: `event:` line when named, then the JSON data. */
export function sseEvent(res: http.ServerResponse, data: unknown, event?: string): void {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

/** Text of the last user message of a chat-style message list (string or parts). */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as any;
    if (m?.role !== 'user') continue;
    return partsText(m.content ?? m.parts);
  }
  return '';
}

/** The text of a content value: a string, or the text fields of a parts array. */
export function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c: any) => (typeof c === 'string' ? c : typeof c?.text === 'string' ? c.text : '')).join('');
}
