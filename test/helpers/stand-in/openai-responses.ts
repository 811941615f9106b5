/**
 * OpenAI Responses API stand-in (Codex): GET {base}/models and POST {base}/responses, answered as
 * SSE `response.created`, `response.output_item.done` (a `function_call`, e.g. `exec_command`
 * with `{"cmd": ...}`, or an assistant `message`) and `response.completed` with `usage`, or as one
 * JSON response when `stream` is not true. A request with no function tools (Codex's local
 * compaction, "You are performing a CONTEXT CHECKPOINT COMPACTION...") gets text, no step.
 */
import type http from 'node:http';
import { newId, sendJson, sseEvent, startSse, startStandIn, type Action, type Captured, type StandIn, type StandInOptions, type ToolDef, type Usage, type Wire, type WireCtx } from './core.js';

function toolsOf(body: any): ToolDef[] {
  if (!Array.isArray(body?.tools)) return [];
  return body.tools
    .filter((t: any) => t?.type === 'function' && typeof t.name === 'string')
    .map((t: any) => ({ name: t.name, schema: t.parameters }));
}

function usageJson(u: Required<Usage>) {
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.output_tokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.prompt_tokens + u.output_tokens,
  };
}

function reply(req: Captured, res: http.ServerResponse, action: Exclude<Action, { type: 'hang' }>): void {
  const id = newId('resp');
  const model = typeof req.body?.model === 'string' ? req.body.model : 'stand-in';
  const item =
    action.type === 'call'
      ? { type: 'function_call', id: newId('fc'), call_id: action.id, name: action.name, arguments: JSON.stringify(action.args), status: 'completed' }
      : { type: 'message', id: newId('msg'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: action.text, annotations: [] }] };
  const response = (status: string, extra: Record<string, unknown> = {}) => ({ id, object: 'response', created_at: Math.floor(Date.now() / 1000), model, status, ...extra });
  if (req.body?.stream !== true) {
    sendJson(res, 200, response('completed', { output: [item], usage: usageJson(action.usage) }));
    return;
  }
  startSse(res);
  let sequence = 0;
  const ev = (type: string, data: Record<string, unknown>) => sseEvent(res, { type, sequence_number: sequence++, ...data }, type);
  ev('response.created', { response: response('in_progress', { output: [] }) });
  ev('response.output_item.done', { output_index: 0, item });
  ev('response.completed', { response: response('completed', { output: [item], usage: usageJson(action.usage) }) });
  res.end();
}

export const openAiResponsesWire: Wire = {
  name: 'openai-responses',
  handle(req: Captured, res: http.ServerResponse, ctx: WireCtx) {
    if (req.method === 'GET' && req.path.endsWith('/models')) {
      req.kind = 'models';
      sendJson(res, 200, { object: 'list', data: [], models: [] });
      return;
    }
    if (req.method !== 'POST' || !req.path.endsWith('/responses')) {
      req.kind = 'unknown';
      sendJson(res, 404, { error: { message: `stand-in: no route ${req.method} ${req.path}` } });
      return;
    }
    const tools = toolsOf(req.body);
    req.tools = tools.map((t) => t.name);
    if (tools.length === 0) {
      req.kind = 'summary';
      reply(req, res, { type: 'text', text: 'Stand-in summary: the scripted steps ran.', usage: ctx.usage() });
      return;
    }
    const action = ctx.next(tools);
    if (action.type === 'hang') return;
    reply(req, res, action);
  },
};

export function startOpenAiResponses(opts: StandInOptions = {}): Promise<StandIn> {
  return startStandIn(openAiResponsesWire, opts);
}
