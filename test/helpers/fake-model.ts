/**
 * A loopback HTTP server that plays the Anthropic Messages API for the real
 * Claude Code CLI (see CLAUDE-HARNESS.md next to this file).
 *
 * Only "main agent loop" requests (POST /v1/messages whose `tools` list holds
 * a tool named "Bash") advance the script; every other request (title
 * generation, quota checks, count_tokens, HEAD /, ...) gets a harmless answer.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ModelStep =
  /** Answer with a streaming `tool_use` of the Bash tool, stop_reason tool_use. */
  | { bash: string; description?: string }
  /** Answer with a text block, stop_reason end_turn. */
  | { text: string }
  /** Never answer: keep the request open until the client goes away or close() is called. */
  | { hang: true };

export interface CapturedRequest {
  method: string;
  /** Path including the query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  body: any;
  /** Raw body text. */
  raw: string;
  /** True when this request was treated as a main agent-loop turn. */
  main: boolean;
  /** Index among main requests (the script index), or -1 for side requests. */
  mainIndex: number;
  /** The step that answered this request (main requests only). */
  step?: ModelStep;
}

export type ModelScript = ModelStep[] | ((req: CapturedRequest, index: number) => ModelStep | undefined);

export interface FakeModel {
  /** http://127.0.0.1:<port> — pass as ANTHROPIC_BASE_URL. */
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: CapturedRequest[];
  /** Only the main agent-loop requests. */
  mainRequests(): CapturedRequest[];
  /** All request bodies concatenated (to assert injected context reached the model). */
  allText(): string;
  /** Text of the tool_result blocks Claude Code sent back, in order, deduplicated by tool_use_id. */
  toolResults(): string[];
  /** Resolves when the n-th (1-based) main request has arrived. */
  waitForMainRequest(n: number, timeoutMs?: number): Promise<CapturedRequest>;
  close(): Promise<void>;
}

const DONE_STEP: ModelStep = { text: 'done' };

function isMainLoop(method: string, path: string, body: any): boolean {
  if (method !== 'POST') return false;
  const pathname = path.split('?')[0] ?? '';
  if (pathname !== '/v1/messages') return false;
  if (!body || !Array.isArray(body.tools)) return false;
  return body.tools.some((t: any) => t && t.name === 'Bash');
}

let idCounter = 0;
function newId(prefix: string): string {
  idCounter += 1;
  return `${prefix}_fake${Date.now().toString(36)}${idCounter.toString().padStart(6, '0')}`;
}

function usage(input: number, output: number) {
  return {
    input_tokens: input,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    server_tool_use: null,
    service_tier: 'standard',
  };
}

interface Reply {
  content: any[];
  stopReason: 'tool_use' | 'end_turn';
}

function stepToReply(step: ModelStep): Reply {
  if ('bash' in step) {
    const input: Record<string, string> = { command: step.bash };
    if (step.description !== undefined) input.description = step.description;
    return {
      content: [{ type: 'tool_use', id: newId('toolu'), name: 'Bash', input }],
      stopReason: 'tool_use',
    };
  }
  const text = 'text' in step ? step.text : 'done';
  return { content: [{ type: 'text', text }], stopReason: 'end_turn' };
}

function sse(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function sendStreaming(res: http.ServerResponse, model: string, reply: Reply): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': newId('req'),
  });
  const id = newId('msg');
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: usage(10, 1),
    },
  });
  reply.content.forEach((block, index) => {
    if (block.type === 'tool_use') {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) },
      });
    } else {
      sse(res, 'content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'text', text: '' },
      });
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'text_delta', text: block.text },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: reply.stopReason, stop_sequence: null },
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

function sendJson(res: http.ServerResponse, status: number, data: unknown): void {
  const text = JSON.stringify(data);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': newId('req'),
  });
  res.end(text);
}

function sendMessage(res: http.ServerResponse, body: any, reply: Reply): void {
  const model = typeof body?.model === 'string' ? body.model : 'claude-fake';
  if (body?.stream === true) {
    sendStreaming(res, model, reply);
  } else {
    sendJson(res, 200, {
      id: newId('msg'),
      type: 'message',
      role: 'assistant',
      model,
      content: reply.content,
      stop_reason: reply.stopReason,
      stop_sequence: null,
      usage: usage(10, 5),
    });
  }
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((c: any) => (c && c.type === 'text' && typeof c.text === 'string' ? c.text : ''))
      .join('');
  }
  return '';
}

export async function startFakeModel(script: ModelScript = []): Promise<FakeModel> {
  const requests: CapturedRequest[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<http.ServerResponse>();
  const waiters: Array<{ n: number; resolve: (r: CapturedRequest) => void }> = [];
  let mainCount = 0;

  const nextStep = (req: CapturedRequest, index: number): ModelStep => {
    if (typeof script === 'function') return script(req, index) ?? DONE_STEP;
    return script[index] ?? DONE_STEP;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          body = undefined;
        }
      }
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      const main = isMainLoop(method, path, body);
      const captured: CapturedRequest = {
        method,
        path,
        headers: req.headers,
        body,
        raw,
        main,
        mainIndex: main ? mainCount : -1,
      };
      requests.push(captured);

      try {
        const pathname = path.split('?')[0] ?? '';
        if (main) {
          const index = mainCount++;
          const step = nextStep(captured, index);
          captured.step = step;
          for (const w of waiters.filter((w) => w.n === mainCount)) w.resolve(captured);
          if ('hang' in step) {
            hanging.add(res);
            res.on('close', () => hanging.delete(res));
            return; // never answer
          }
          sendMessage(res, body, stepToReply(step));
          return;
        }
        if (method === 'POST' && pathname === '/v1/messages/count_tokens') {
          sendJson(res, 200, { input_tokens: 100 });
          return;
        }
        if (method === 'POST' && pathname === '/v1/messages') {
          // Side request (title, quota check, summary...): harmless text.
          sendMessage(res, body, { content: [{ type: 'text', text: 'ok' }], stopReason: 'end_turn' });
          return;
        }
        if (method === 'HEAD') {
          res.writeHead(200);
          res.end();
          return;
        }
        sendJson(res, 200, {});
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: String(err) });
        else res.end();
      }
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

  const mainRequests = () => requests.filter((r) => r.main);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    mainRequests,
    allText: () => requests.map((r) => r.raw).join('\n'),
    toolResults: () => {
      const seen = new Set<string>();
      const out: string[] = [];
      for (const r of mainRequests()) {
        const messages: any[] = Array.isArray(r.body?.messages) ? r.body.messages : [];
        for (const m of messages) {
          if (m?.role !== 'user' || !Array.isArray(m.content)) continue;
          for (const block of m.content) {
            if (block?.type !== 'tool_result') continue;
            const key = String(block.tool_use_id ?? `${out.length}`);
            if (seen.has(key)) continue;
            seen.add(key);
            out.push(toolResultText(block.content));
          }
        }
      }
      return out;
    },
    waitForMainRequest: (n, timeoutMs = 60_000) => {
      const existing = mainRequests()[n - 1];
      if (existing) return Promise.resolve(existing);
      return new Promise<CapturedRequest>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`fake model: main request #${n} did not arrive within ${timeoutMs} ms`));
        }, timeoutMs);
        const entry = {
          n,
          resolve: (r: CapturedRequest) => {
            clearTimeout(timer);
            const i = waiters.indexOf(entry);
            if (i >= 0) waiters.splice(i, 1);
            resolve(r);
          },
        };
        waiters.push(entry);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        hanging.clear();
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
