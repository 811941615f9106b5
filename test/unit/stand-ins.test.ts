/**
 * The model stand-ins (test/helpers/stand-in/) on their own, without any agent CLI: the shared
 * step player (which requests consume a step, tool choice, required parameters, usage knobs,
 * "done" after the script, hang, the request log) and each wire format's framing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { fillRequired, type StandIn } from '../helpers/stand-in/core.js';
import { startGemini } from '../helpers/stand-in/gemini.js';
import { startOpenAiChat } from '../helpers/stand-in/openai-chat.js';
import { startOpenAiResponses } from '../helpers/stand-in/openai-responses.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function track(s: Promise<StandIn>): Promise<StandIn> {
  const standIn = await s;
  cleanups.push(() => standIn.close());
  return standIn;
}

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
};

/** The JSON payloads of an SSE body (without [DONE]). */
const sseData = (text: string): any[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
    .map((l) => JSON.parse(l.slice(6)));

const chatTool = (name: string, parameters: unknown) => ({ type: 'function', function: { name, parameters } });

describe('the shared step core', () => {
  test('fillRequired samples only the required parameters that are missing, from their schema', () => {
    const schema = {
      type: 'object',
      properties: { command: { type: 'string' }, description: { type: 'string' }, mode: { type: 'string', enum: ['sync', 'async'] }, timeout: { type: 'integer', minimum: 5 }, flag: { type: 'BOOLEAN' }, skip: { type: 'string' } },
      required: ['command', 'description', 'mode', 'timeout', 'flag'],
    };
    expect(fillRequired(schema, { command: 'ls' })).toEqual({ command: 'ls', description: 'stand-in step', mode: 'sync', timeout: 5, flag: false });
  });

  test('chat: only tool-offering requests consume steps; titles and summaries get text; then "done"; every request logged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'stand-in-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const logFile = path.join(dir, 'requests.jsonl');
    const s = await track(startOpenAiChat({ script: ['echo one', { tool: 'task', args: { prompt: 'sub' } }, { text: 'bye', prompt_tokens: 777 }], logFile }));
    const tools = [chatTool('read', {}), chatTool('bash', { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } }, required: ['command', 'description'] }), chatTool('task', { type: 'object', properties: { prompt: { type: 'string' }, agent: { type: 'string' } }, required: ['prompt', 'agent'] })];
    const url = `${s.url}/v1/chat/completions`;

    const title = await post(url, { model: 'm', messages: [{ role: 'system', content: 'You are a title generator.' }, { role: 'user', content: 'hi' }] });
    expect(JSON.parse(title.text).choices[0].message.content).toBe('Stand-in title');

    const first = await post(url, { model: 'm', stream: true, stream_options: { include_usage: true }, tools, messages: [{ role: 'user', content: 'go' }] });
    const chunks = sseData(first.text);
    expect(first.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(chunks[0].choices[0].delta.tool_calls[0]).toMatchObject({ index: 0, id: 'call_0', type: 'function', function: { name: 'bash' } });
    expect(JSON.parse(chunks[0].choices[0].delta.tool_calls[0].function.arguments)).toEqual({ command: 'echo one', description: 'stand-in step' });
    expect(chunks.at(-2).choices[0].finish_reason).toBe('tool_calls');
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 5 } });

    // Copilot's compaction request offers tools but is a summary: no step consumed.
    const summary = await post(url, { model: 'm', tools, messages: [{ role: 'user', content: 'Please create a detailed summary of the conversation so far.' }] });
    expect(JSON.parse(summary.text).choices[0].message.content).toMatch(/summary/i);

    const second = JSON.parse((await post(url, { model: 'm', tools, messages: [] })).text);
    expect(second.choices[0].message.tool_calls[0].function).toEqual({ name: 'task', arguments: JSON.stringify({ prompt: 'sub', agent: 'stand-in' }) });
    const third = JSON.parse((await post(url, { model: 'm', tools, messages: [] })).text);
    expect(third).toMatchObject({ choices: [{ message: { content: 'bye' }, finish_reason: 'stop' }], usage: { prompt_tokens: 777 } });
    const after = JSON.parse((await post(url, { model: 'm', tools, messages: [] })).text);
    expect(after.choices[0].message.content).toBe('done');

    expect(s.requests.map((r) => r.kind)).toEqual(['title', 'main', 'summary', 'main', 'main', 'main']);
    expect(s.mainRequests().map((r) => r.mainIndex)).toEqual([0, 1, 2, 3]);
    const log = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => [l.n, l.kind, l.step])).toEqual([[1, 'title', null], [2, 'main', 0], [3, 'summary', null], [4, 'main', 1], [5, 'main', 2], [6, 'main', 3]]);
    expect(log[1]).toMatchObject({ method: 'POST', url: '/v1/chat/completions', tools: ['read', 'bash', 'task'], stream: true });
  });

  test('a step whose tool is not offered is answered with an error text and recorded', async () => {
    const s = await track(startOpenAiChat({ script: ['ls'] }));
    const r = JSON.parse((await post(`${s.url}/v1/chat/completions`, { tools: [chatTool('read', {})], messages: [] })).text);
    expect(r.choices[0].message.content).toContain('no shell tool offered');
    expect(s.requests[0]!.error).toContain('no shell tool offered');
  });

  test('hang holds the request until close(); waitForMain sees it', async () => {
    const s = await startOpenAiChat({ script: [{ hang: true }] });
    const pending = fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ tools: [chatTool('bash', {})], messages: [] }) }).then(
      () => 'answered',
      () => 'aborted',
    );
    await s.waitForMain(1, 5000);
    await expect(s.waitForMain(2, 50)).rejects.toThrow(/main request #2 did not arrive within 50 ms/);
    await s.close();
    expect(await pending).toBe('aborted');
  });
});

describe('wire formats', () => {
  test('OpenAI Responses: models list, exec_command {cmd} as response.output_item.done, usage, compaction request gets text', async () => {
    const s = await track(startOpenAiResponses({ script: [{ shell: 'echo hi', prompt_tokens: 50_000 }] }));
    expect(await (await fetch(`${s.url}/v1/models`)).json()).toMatchObject({ data: [] });
    const tools = [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' }, workdir: { type: 'string' } }, required: ['cmd'] } }, { type: 'namespace', name: 'multi_agent_v1' }];
    const r = await post(`${s.url}/v1/responses`, { model: 'gpt-5-codex', stream: true, tools, input: [] });
    const lines = r.text.split('\n').filter((l) => l.startsWith('event: '));
    expect(lines).toEqual(['event: response.created', 'event: response.output_item.done', 'event: response.completed']);
    const [, item, done] = sseData(r.text);
    expect(item.item).toMatchObject({ type: 'function_call', name: 'exec_command', call_id: 'call_0', arguments: '{"cmd":"echo hi"}' });
    expect(done.response.usage).toMatchObject({ input_tokens: 50_000, total_tokens: 50_005 });
    const compact = sseData((await post(`${s.url}/v1/responses`, { stream: true, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'You are performing a CONTEXT CHECKPOINT COMPACTION' }] }] })).text);
    expect(compact[1].item).toMatchObject({ type: 'message', role: 'assistant' });
    expect(s.requests.map((q) => q.kind)).toEqual(['models', 'main', 'summary']);
  });

  test('Gemini: streamGenerateContent with functionCall and usageMetadata; generateContent summary, JSON schema answers, countTokens', async () => {
    const s = await track(startGemini({ script: ['ls -la'], usage: { prompt_tokens: 900_000 } }));
    const base = `${s.url}/v1beta/models/gemini-2.5-flash`;
    const tools = [{ functionDeclarations: [{ name: 'run_shell_command', parametersJsonSchema: { type: 'object', properties: { command: { type: 'string' }, description: { type: 'string' } }, required: ['command'] } }] }];
    const stream = await post(`${base}:streamGenerateContent?alt=sse`, { contents: [], tools });
    const [chunk] = sseData(stream.text);
    expect(chunk).toMatchObject({ candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'ls -la' } } }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 900_000 } });
    const summary = JSON.parse((await post(`${base}:generateContent`, { contents: [] })).text);
    expect(summary.candidates[0].content.parts[0].text).toContain('state_snapshot');
    const json = JSON.parse((await post(`${base}:generateContent`, { contents: [], generationConfig: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object', properties: { reasoning: { type: 'string' }, next_speaker: { type: 'string', enum: ['user', 'model'] } }, required: ['reasoning', 'next_speaker'] } } })).text);
    expect(JSON.parse(json.candidates[0].content.parts[0].text)).toEqual({ reasoning: 'stand-in', next_speaker: 'user' });
    expect(JSON.parse((await post(`${base}:countTokens`, { contents: [] })).text)).toEqual({ totalTokens: 100 });
    expect(s.requests.map((q) => q.kind)).toEqual(['main', 'summary', 'json', 'count-tokens']);
  });
});
