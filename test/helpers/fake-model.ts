/**
 * A loopback HTTP server that plays the Anthropic Messages API for the real
 * Claude Code CLI (see CLAUDE-HARNESS.md next to this file).
 *
 * Only "main agent loop" requests (POST /v1/messages whose `tools` list holds
 * a tool named "Bash") advance the script; every other request (title
 * generation, quota checks, count_tokens, HEAD /, ...) gets a harmless answer.
 *
 * This is the Claude tests' step format over the shared stand-in core
 * (stand-in/core.ts + stand-in/anthropic.ts), which the other agents' stand-ins use too.
 */
import type http from 'node:http';
import { anthropicWire } from './stand-in/anthropic.js';
import { startStandIn, type Captured, type Step } from './stand-in/core.js';

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

function toStep(step: ModelStep | undefined): Step | undefined {
  if (step === undefined) return undefined;
  if ('bash' in step) return step.description === undefined ? { shell: step.bash } : { shell: step.bash, description: step.description };
  return step;
}

function fromStep(step: Step | undefined): ModelStep | undefined {
  if (step === undefined || typeof step === 'string') return step === undefined ? undefined : { bash: step };
  if ('shell' in step) return step.description === undefined ? { bash: step.shell } : { bash: step.shell, description: step.description };
  if ('tool' in step) return undefined;
  return 'hang' in step ? { hang: true } : { text: step.text };
}

/** The Claude tests' view of a captured request (its path keeps the query string). */
function view(r: Captured): CapturedRequest {
  return { method: r.method, path: r.url, headers: r.headers, body: r.body, raw: r.raw, main: r.main, mainIndex: r.mainIndex, step: fromStep(r.step) };
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((c: any) => (c && c.type === 'text' && typeof c.text === 'string' ? c.text : '')).join('');
  }
  return '';
}

export async function startFakeModel(script: ModelScript = []): Promise<FakeModel> {
  const standIn = await startStandIn(anthropicWire, {
    script: typeof script === 'function' ? (req, index) => toStep(script(view(req), index)) : script.map((s) => toStep(s)!),
  });
  const mainRequests = () => standIn.mainRequests().map(view);
  return {
    url: standIn.url,
    port: standIn.port,
    get requests() {
      return standIn.requests.map(view);
    },
    mainRequests,
    allText: standIn.allText,
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
    waitForMainRequest: (n, timeoutMs = 60_000) => standIn.waitForMain(n, timeoutMs).then(view),
    close: standIn.close,
  };
}
