/**
 * Anthropic Messages stand-in (Claude Code): POST /v1/messages, streamed or JSON. Only requests
 * whose tools include `Bash` are main-loop turns and consume a step; other messages requests
 * (titles, quota checks, summaries) get "ok", count_tokens a count, HEAD / an empty 200.
 * See test/helpers/CLAUDE-HARNESS.md; fake-model.ts keeps the older step format on top of this.
 */
import type http from 'node:http';
import { newId, sendJson, sseEvent, startSse, startStandIn, type Action, type Captured, type StandIn, type StandInOptions, type ToolDef, type Usage, type Wire, type WireCtx } from './core.js';

function toolsOf(body: any): ToolDef[] {
  if (!Array.isArray(body?.tools)) return [];
  return body.tools.filter((t: any) => typeof t?.name === 'string').map((t: any) => ({ name: t.name, schema: t.input_schema }));
}

function usageJson(u: Required<Usage>, output = u.output_tokens) {
  return { input_tokens: u.prompt_tokens, output_tokens: output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
}

function reply(req: Captured, res: http.ServerResponse, action: Exclude<Action, { type: 'hang' }>): void {
  const model = typeof req.body?.model === 'string' ? req.body.model : 'claude-stand-in';
  const block = action.type === 'call' ? { type: 'tool_use', id: `toolu_${action.id}`, name: action.name, input: action.args } : { type: 'text', text: action.text };
  const stopReason = action.type === 'call' ? 'tool_use' : 'end_turn';
  const id = newId('msg');
  const headers = { 'request-id': newId('req') };
  if (req.body?.stream !== true) {
    const text = JSON.stringify({ id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stopReason, stop_sequence: null, usage: usageJson(action.usage) });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
    return;
  }
  startSse(res, headers);
  sseEvent(res, { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usageJson(action.usage, 1) } }, 'message_start');
  if (block.type === 'tool_use') {
    sseEvent(res, { type: 'content_block_start', index: 0, content_block: { ...block, input: {} } }, 'content_block_start');
    sseEvent(res, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } }, 'content_block_delta');
  } else {
    sseEvent(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start');
    sseEvent(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: block.text } }, 'content_block_delta');
  }
  sseEvent(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop');
  sseEvent(res, { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: usageJson(action.usage) }, 'message_delta');
  sseEvent(res, { type: 'message_stop' }, 'message_stop');
  res.end();
}

export const anthropicWire: Wire = {
  name: 'anthropic',
  handle(req: Captured, res: http.ServerResponse, ctx: WireCtx) {
    if (req.method === 'HEAD') {
      req.kind = 'head';
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method === 'POST' && req.path === '/v1/messages/count_tokens') {
      req.kind = 'count-tokens';
      sendJson(res, 200, { input_tokens: ctx.usage().prompt_tokens });
      return;
    }
    if (req.method !== 'POST' || req.path !== '/v1/messages') {
      req.kind = 'unknown';
      sendJson(res, 200, {});
      return;
    }
    const tools = toolsOf(req.body);
    req.tools = tools.map((t) => t.name);
    if (!tools.some((t) => t.name === 'Bash')) {
      req.kind = 'side';
      reply(req, res, { type: 'text', text: 'ok', usage: ctx.usage() });
      return;
    }
    const action = ctx.next(tools);
    if (action.type === 'hang') return;
    reply(req, res, action);
  },
};

export function startAnthropic(opts: StandInOptions = {}): Promise<StandIn> {
  return startStandIn(anthropicWire, opts);
}
