import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from '../../git.js';
import { childProcess } from '../../lazy.js';
import { packageRoot } from '../../package-root.js';

/**
 * Codex's own trust machinery, spoken through `codex app-server` (stdio JSON-RPC, one JSON object
 * per line): `initialize`, `initialized`, then `hooks/list` (each hook with its trust status and
 * current hash) and `config/batchWrite` (Codex writes its config.toml itself). Seen working with
 * Codex 0.169.0 (test/helpers/agents/AGENTS-HARNESS.md).
 */

export interface CodexHookInfo {
  /** `<source file>:<event_snake_case>:<group index>:<handler index>`: the hooks.state key. */
  key: string;
  eventName: string;
  command?: string;
  source: string;
  sourcePath: string;
  currentHash: string;
  trustStatus: 'managed' | 'untrusted' | 'trusted' | 'modified';
  enabled: boolean;
}

export interface CodexRpc {
  request(method: string, params: unknown): Promise<any>;
  notify(method: string, params: unknown): void;
}

/** The `codex` the user runs: on PATH, else the project's or sortie's own node_modules/.bin. */
export function findCodex(env: Env, root: string): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), join(root, 'node_modules', '.bin'), join(packageRoot(), 'node_modules', '.bin')];
  for (const d of dirs) {
    const bin = join(d, 'codex');
    if (existsSync(bin)) return bin;
  }
  return undefined;
}

/** Runs `codex app-server` for the length of `fn`; its process group is gone when this returns. */
export async function withCodexAppServer<T>(bin: string, env: Env, fn: (rpc: CodexRpc) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const child = childProcess().spawn(bin, ['app-server'], { env: env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let buffer = '';
  let stderr = '';
  let nextId = 1;
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4000) stderr += d;
  });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      let msg: any;
      try {
        msg = JSON.parse(line);
      } catch {
        continue;
      }
      const waiter = typeof msg?.id === 'number' ? pending.get(msg.id) : undefined;
      if (!waiter || msg.method !== undefined) continue; // notifications and server requests
      pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(`codex app-server: ${JSON.stringify(msg.error)}`));
      else waiter.resolve(msg.result);
    }
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const failAll = (why: string) => {
    // The first lines say what went wrong (a backtrace may follow).
    const said = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !/bubblewrap|^WARNING/i.test(l)).slice(0, 2).join(' ');
    for (const w of pending.values()) w.reject(new Error(`codex app-server ${why}${said ? `: ${said}` : ''}`));
    pending.clear();
  };
  child.once('close', (code) => failAll(`exited (${code})`));
  child.once('error', (err) => failAll(`failed to start (${String(err)})`));
  const timer = setTimeout(() => failAll(`did not answer within ${timeoutMs} ms`), timeoutMs);
  const rpc: CodexRpc = {
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
      }),
    notify: (method, params) => {
      child.stdin!.write(`${JSON.stringify({ method, params })}\n`);
    },
  };
  try {
    await rpc.request('initialize', { clientInfo: { name: 'sortie', version: '1' } });
    rpc.notify('initialized', {});
    return await fn(rpc);
  } finally {
    clearTimeout(timer);
    child.stdin!.end();
    const gone = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000).unref())]);
    try {
      if (!gone || child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await closed;
  }
}

async function list(rpc: CodexRpc, root: string): Promise<CodexHookInfo[]> {
  const result = await rpc.request('hooks/list', { cwds: [root] });
  return ((result?.data ?? []) as { hooks?: CodexHookInfo[] }[]).flatMap((e) => e.hooks ?? []);
}

/** The hooks Codex sees for `root` (a project's hooks are listed only once the project is trusted). */
export function listCodexHooks(bin: string, env: Env, root: string): Promise<CodexHookInfo[]> {
  return withCodexAppServer(bin, env, (rpc) => list(rpc, root));
}

/**
 * Trusts the project, then each of its hooks that `select` picks and that is not trusted yet, by
 * writing its current hash as `hooks.state."<key>".trusted_hash` through Codex's own config
 * writer: what the user would do in Codex's `/hooks` review. Returns the hooks as listed after.
 */
export function trustCodexHooks(bin: string, env: Env, root: string, select: (h: CodexHookInfo) => boolean = () => true): Promise<{ before: CodexHookInfo[]; after: CodexHookInfo[] }> {
  return withCodexAppServer(bin, env, async (rpc) => {
    await rpc.request('config/batchWrite', { edits: [{ keyPath: 'projects', mergeStrategy: 'upsert', value: { [root]: { trust_level: 'trusted' } } }] });
    const before = await list(rpc, root);
    const untrusted = before.filter((h) => h.trustStatus !== 'trusted' && h.trustStatus !== 'managed' && select(h));
    if (untrusted.length > 0) {
      const state = Object.fromEntries(untrusted.map((h) => [h.key, { trusted_hash: h.currentHash }]));
      await rpc.request('config/batchWrite', { edits: [{ keyPath: 'hooks.state', mergeStrategy: 'upsert', value: state }] });
    }
    return { before, after: await list(rpc, root) };
  });
}
