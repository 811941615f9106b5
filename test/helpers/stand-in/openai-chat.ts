/**
 * OpenAI Chat Completions stand-in (OpenCode, Copilot CLI, pi): POST {base}/chat/completions,
 * streamed (SSE chunks, usage chunk when `stream_options.include_usage`) or plain JSON, and
 * GET {base}/models. Requests that offer no tools (title generation, OpenCode's and pi's
 * compaction summaries) and Copilot's compaction request (tools offered, last user message asks
 * for "a detailed summary of the conversation") are answered with text and consume no step.
 */
import type http from 'node:http';
import { lastUserText, newId, sendJson, sseEvent, startSse, startStandIn, type Action, type Captured, type StandIn, type StandInOptions, type ToolDef, type Usage, type Wire, type WireCtx } from './core.js';

const SUMMARY_ASK = /detailed summary of the conversation/i;

function toolsOf(body: any): ToolDef[] {
  if (!Array.isArray(body?.tools)) return [];
  return body.tools
    .map((t: any) => ({ name: t?.function?.name ?? t?.name, schema: t?.function?.parameters ?? t?.parameters }))
    .filter((t: ToolDef) => typeof t.name === 'string');
}

function systemText(body: any): string {
  const sys = Array.isArray(body?.messages) ? body.messages.find((m: any) => m?.role === 'system') : undefined;
  return typeof sys?.content === 'string' ? sys.content : Array.isArray(sys?.content) ? sys.content.map((p: any) => p?.text ?? '').join('') : '';
}

function usageJson(u: Required<Usage>) {
  return { prompt_tokens: u.prompt_tokens, completion_tokens: u.output_tokens, total_tokens: u.prompt_tokens + u.output_tokens };
}

function reply(req: Captured, res: http.ServerResponse, action: Exclude<Action, { type: 'hang' }>): void {
  const body = req.body;
  const id = newId('chatcmpl');
  const model = typeof body?.model === 'string' ? body.model : 'stand-in';
  const created = Math.floor(Date.now() / 1000);
  const call = action.type === 'call' ? { id: action.id, type: 'function', function: { name: action.name, arguments: JSON.stringify(action.args) } } : undefined;
  const finish = call ? 'tool_calls' : 'stop';
  if (body?.stream !== true) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: action.type === 'text' ? action.text : '' }, finish_reason: finish }],
      usage: usageJson(action.usage),
    });
    return;
  }
  startSse(res);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => sseEvent(res, { id, object: 'chat.completion.chunk', created, model, choices, ...extra });
  if (call) {
    chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, ...call }] }, finish_reason: null }]);
  } else {
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    chunk([{ index: 0, delta: { content: action.type === 'text' ? action.text : '' }, finish_reason: null }]);
  }
  const usage = body?.stream_options?.include_usage === true;
  chunk([{ index: 0, delta: {}, finish_reason: finish }]);
  if (usage) chunk([], { usage: usageJson(action.usage) });
  sseEvent(res, '[DONE]');
  res.end();
}

export const openAiChatWire: Wire = {
  name: 'openai-chat',
  handle(req: Captured, res: http.ServerResponse, ctx: WireCtx) {
    if (req.method === 'GET' && req.path.endsWith('/models')) {
      req.kind = 'models';
      sendJson(res, 200, { object: 'list', data: [{ id: 'stand-in', object: 'model', created: 0, owned_by: 'stand-in' }] });
      return;
    }
    if (req.method !== 'POST' || !req.path.endsWith('/chat/completions')) {
      req.kind = 'unknown';
      sendJson(res, 404, { error: { message: `stand-in: no route ${req.method} ${req.path}` } });
      return;
    }
    const tools = toolsOf(req.body);
    req.tools = tools.map((t) => t.name);
    if (tools.length === 0 || SUMMARY_ASK.test(lastUserText(req.body?.messages))) {
      const title = /title/i.test(systemText(req.body)) && tools.length === 0;
      req.kind = title ? 'title' : 'summary';
      reply(req, res, { type: 'text', text: title ? 'Stand-in title' : 'Stand-in summary: the scripted steps ran.', usage: ctx.usage() });
      return;
    }
    const action = ctx.next(tools);
    if (action.type === 'hang') return;
    reply(req, res, action);
  },
};

export function startOpenAiChat(opts: StandInOptions = {}): Promise<StandIn> {
  return startStandIn(openAiChatWire, opts);
}
