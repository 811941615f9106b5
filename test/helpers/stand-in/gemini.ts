/**
 * Gemini API v1beta stand-in (Gemini CLI): POST {base}/v1beta/models/<model>:streamGenerateContent
 * (SSE when `alt=sse`), :generateContent, :countTokens, and GET {base}/v1beta/models.
 *
 * Only streamGenerateContent requests that offer function declarations consume a step (a
 * `functionCall`, e.g. `run_shell_command` with `{command, description}`, or text). Everything
 * else is a side request: generateContent with a JSON response schema (router, next-speaker
 * check) gets a value sampled from the schema (`next_speaker: "user"`); plain generateContent
 * (the two compression calls) gets a summary text; countTokens gets the default count.
 * `usageMetadata.promptTokenCount` is the step's `prompt_tokens` (or the stand-in's default):
 * a high value makes the CLI compress on a resumed session.
 */
import type http from 'node:http';
import { sampleFromSchema, sendJson, sseEvent, startSse, startStandIn, type Action, type Captured, type StandIn, type StandInOptions, type ToolDef, type Usage, type Wire, type WireCtx } from './core.js';

function toolsOf(body: any): ToolDef[] {
  if (!Array.isArray(body?.tools)) return [];
  return body.tools
    .flatMap((t: any) => (Array.isArray(t?.functionDeclarations) ? t.functionDeclarations : []))
    .filter((f: any) => typeof f?.name === 'string')
    .map((f: any) => ({ name: f.name, schema: f.parametersJsonSchema ?? f.parameters }));
}

function usageMetadata(u: Required<Usage>) {
  return { promptTokenCount: u.prompt_tokens, candidatesTokenCount: u.output_tokens, totalTokenCount: u.prompt_tokens + u.output_tokens };
}

function candidateOf(action: Exclude<Action, { type: 'hang' }>, model: string) {
  const part = action.type === 'call' ? { functionCall: { name: action.name, args: action.args } } : { text: action.text };
  return { candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }], usageMetadata: usageMetadata(action.usage), modelVersion: model };
}

function reply(res: http.ServerResponse, stream: boolean, model: string, action: Exclude<Action, { type: 'hang' }>): void {
  const payload = candidateOf(action, model);
  if (!stream) {
    sendJson(res, 200, payload);
    return;
  }
  startSse(res);
  sseEvent(res, payload);
  res.end();
}

/** Sample a JSON answer for a schema-constrained request; the next-speaker check gets "user". */
function jsonAnswer(schema: unknown): unknown {
  const value = sampleFromSchema(schema);
  if (value && typeof value === 'object' && 'next_speaker' in value) (value as Record<string, unknown>).next_speaker = 'user';
  return value;
}

export const geminiWire: Wire = {
  name: 'gemini',
  handle(req: Captured, res: http.ServerResponse, ctx: WireCtx) {
    const m = /\/models\/([^/:]+):([A-Za-z]+)$/.exec(req.path);
    if (!m) {
      if (req.method === 'GET' && /\/models\/?$/.test(req.path)) {
        req.kind = 'models';
        sendJson(res, 200, { models: [] });
        return;
      }
      req.kind = 'unknown';
      sendJson(res, 404, { error: { code: 404, message: `stand-in: no route ${req.method} ${req.path}`, status: 'NOT_FOUND' } });
      return;
    }
    const [, model, method] = m as unknown as [string, string, string];
    const body = req.body;
    if (method === 'countTokens') {
      req.kind = 'count-tokens';
      sendJson(res, 200, { totalTokens: ctx.usage().prompt_tokens });
      return;
    }
    const stream = method === 'streamGenerateContent';
    req.stream = stream;
    if (method !== 'generateContent' && !stream) {
      req.kind = 'unknown';
      sendJson(res, 404, { error: { code: 404, message: `stand-in: no method ${method}`, status: 'NOT_FOUND' } });
      return;
    }
    const tools = toolsOf(body);
    req.tools = tools.map((t) => t.name);
    const gen = body?.generationConfig ?? body?.config ?? {};
    const schema = gen.responseJsonSchema ?? gen.responseSchema;
    if (schema !== undefined || gen.responseMimeType === 'application/json') {
      req.kind = 'json';
      reply(res, stream, model, { type: 'text', text: JSON.stringify(jsonAnswer(schema)), usage: ctx.usage() });
      return;
    }
    if (!stream || tools.length === 0) {
      req.kind = 'summary';
      reply(res, stream, model, { type: 'text', text: '<state_snapshot>Stand-in summary: the scripted steps ran.</state_snapshot>', usage: ctx.usage() });
      return;
    }
    const action = ctx.next(tools);
    if (action.type === 'hang') return;
    reply(res, stream, model, action);
  },
};

export function startGemini(opts: StandInOptions = {}): Promise<StandIn> {
  return startStandIn(geminiWire, opts);
}
