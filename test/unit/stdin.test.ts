/**
 * How a hook reads its payload from each kind of stdin an agent gives it. Agents written in Node
 * (Claude Code, Gemini CLI, Copilot CLI) hand their hooks a socket (libuv builds a child's stdio
 * from socketpairs), a shell gives a pipe. Each must be read without loading `net` (process.stdin
 * would, about 3 ms of every hook), and none may keep the hook alive when the writer never closes.
 * Each case runs the built reader (dist/hooks/stdin.js) in a real child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/repo.js';

const reader = pathToFileURL(join(ROOT, 'dist', 'hooks', 'stdin.js')).href;
const script = (timeoutMs: number) => `
import { readHookFd } from ${JSON.stringify(reader)};
import { writeSync } from 'node:fs';
const r = await readHookFd(0, { limitBytes: 1 << 20, timeoutMs: ${timeoutMs} }, () => process.stdin);
// Read before anything touches process.stdout (which would load net itself).
const net = process.moduleLoadList.includes('NativeModule net');
writeSync(1, JSON.stringify({ payload: r.payload, problem: r.problem, net }));
process.exit(0);`;

interface Read {
  payload?: Record<string, unknown>;
  problem?: string;
  net: boolean;
}

function readThroughSocket(input: string, env: Record<string, string> = {}): { read: Read; stderr: string } {
  // spawnSync's stdin is a socket, as an agent written in Node gives its hooks.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(2000)], { input: input, env: { ...process.env, ...env }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  return { read: JSON.parse(r.stdout) as Read, stderr: r.stderr };
}

test('a socket (what Node-based agents give): the payload is read, and net is never loaded', () => {
  const { read, stderr } = readThroughSocket('{"session_id":"s1","hook_event_name":"SessionStart"}');
  expect(read).toEqual({ payload: { session_id: 's1', hook_event_name: 'SessionStart' }, net: false });
  expect(stderr).toBe('');
});

test('a pipe (what a shell gives): the payload is read, and net is never loaded', () => {
  const r = spawnSync('/bin/sh', ['-c', `printf '%s' '{"session_id":"p1"}' | "${process.execPath}" --input-type=module -e "$SCRIPT"`], { env: { ...process.env, SCRIPT: script(2000) }, encoding: 'utf8' });
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ payload: { session_id: 'p1' }, net: false });
});

test('deprecations made loud: the socket is read through the stream reader instead, and nothing is printed', () => {
  for (const env of [{ NODE_OPTIONS: '--pending-deprecation' }, { NODE_PENDING_DEPRECATION: '1' }]) {
    const { read, stderr } = readThroughSocket('{"session_id":"s2"}', env);
    expect(read).toEqual({ payload: { session_id: 's2' }, net: true });
    expect(stderr).toBe('');
  }
});

/** Runs the reader with a socket the writer fills with `input` and never closes. */
async function readFromOpenSocket(input: string, timeoutMs: number): Promise<{ code: number | null; read: Read & { head?: string } }> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script(timeoutMs).replace('problem: r.problem,', 'problem: r.problem, head: r.head,')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.on('error', () => {});
  if (input) child.stdin.write(input);
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  child.stdin.destroy();
  return { code, read: JSON.parse(out || '{}') as Read };
}

test('a socket the writer never writes to nor closes: the read gives up at its time limit and the process exits', async () => {
  const { code, read } = await readFromOpenSocket('', 300);
  expect(code).toBe(0);
  expect(read).toEqual({ problem: 'timeout', head: '', net: false });
});

test('half a payload on a socket left open: malformed at the time limit, its first bytes kept for salvage', async () => {
  const { code, read } = await readFromOpenSocket('{"session_id":"half","cwd":', 300);
  expect(code).toBe(0);
  expect(read).toEqual({ problem: 'malformed', head: '{"session_id":"half","cwd":', net: false });
});

test('a whole payload on a socket left open is taken at once, well before the time limit', async () => {
  const started = Date.now();
  const { code, read } = await readFromOpenSocket('{"session_id":"whole"}', 8000);
  expect(code).toBe(0);
  expect(read).toEqual({ payload: { session_id: 'whole' }, head: '{"session_id":"whole"}', net: false });
  // Not a timing assertion on speed: only that it did not wait out the 8 s limit.
  expect(Date.now() - started).toBeLessThan(7000);
});
