/**
 * Real git remotes for the tests of claims shared across clones: a bare repository reached by
 * file://, or served by a real `git daemon` on loopback that the test starts and stops (by the
 * pid it started). Clones are made as a teammate makes them: `git clone`, then `sortie init`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, makeRepo, type TempRepo } from './repo.js';

export interface BareRemote {
  /** The folder the bare repository is in (a git daemon's base path). */
  base: string;
  /** The bare repository. */
  path: string;
  /** How clones reach it (file:// until a daemon serves it). */
  url: string;
  /** Runs git in the bare repository. */
  git(...args: string[]): string;
  cleanup(): void;
}

/** An empty bare repository in a temp folder. */
export function bareRemote(): BareRemote {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-remote-')));
  const path = join(base, 'team.git');
  const env = cleanEnv();
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', path], { env });
  const git = (...args: string[]) => execFileSync('git', args, { cwd: path, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trimEnd();
  return { base, path, url: `file://${path}`, git, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export interface Daemon {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.once('connect', () => (c.destroy(), res(true)));
    c.once('error', () => res(false));
  });
}

/**
 * A real git server on loopback: `git daemon --enable=receive-pack` over the remote's base folder,
 * on a free port (`receivePack: false`: a read-only server, as a remote you may not push to). stop() ends it (the pid this started) and waits for it; start() serves again on
 * the same port, so clones keep their URL.
 */
export async function gitDaemon(remote: BareRemote, o: { receivePack?: boolean } = {}): Promise<Daemon> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const d: Daemon = {
    port,
    url: `git://127.0.0.1:${port}/team.git`,
    async start() {
      child = spawn('git', ['daemon', '--reuseaddr', ...(o.receivePack === false ? [] : ['--enable=receive-pack']), '--export-all', `--base-path=${remote.base}`, '--listen=127.0.0.1', `--port=${port}`, remote.base], {
        env: cleanEnv(),
        stdio: 'ignore',
      });
      for (let i = 0; i < 200; i++) {
        if (await accepts(port)) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(`git daemon did not start on port ${port}`);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
      // Its forked children (one per connection) end with their connection; wait for the port to close.
      for (let i = 0; i < 200 && (await accepts(port)); i++) await new Promise((r) => setTimeout(r, 25));
    },
  };
  await d.start();
  return d;
}

/** A teammate's clone: `git clone <url>`, their identity, then `sortie init` as they would run it. */
export function cloneOf(url: string, name: string, person: string): TempRepo {
  const repo = makeRepo({ name, initialCommit: false });
  repo.git('config', 'user.name', person);
  repo.git('config', 'user.email', `${person.toLowerCase()}@example.com`);
  repo.git('remote', 'add', 'origin', url);
  repo.git('fetch', '-q', 'origin');
  repo.git('checkout', '-q', '-B', 'main', 'origin/main');
  const init = repo.sortie(['init']);
  if (init.code !== 0) throw new Error(`sortie init failed in ${name}: ${init.stderr}`);
  return repo;
}

/**
 * The first teammate: a repository with sortie set up and `count` tasks, pushed to the remote
 * (the tasks' files are on main for every clone).
 */
export function seed(remote: BareRemote, titles: string[]): TempRepo {
  const repo = makeRepo({ name: 'seed' });
  repo.git('remote', 'add', 'origin', remote.url);
  const init = repo.sortie(['init']);
  if (init.code !== 0) throw new Error(`sortie init failed: ${init.stderr}`);
  for (const t of titles) {
    const r = repo.sortie(['task', 'new', t]);
    if (r.code !== 0) throw new Error(`task new failed: ${r.stderr}`);
  }
  repo.git('add', '-A');
  repo.git('commit', '-q', '--no-verify', '-m', 'sortie and its tasks');
  repo.git('push', '-q', 'origin', 'main');
  return repo;
}

export interface HttpServer {
  /** The URL with the password in it, as a person might have set their remote. */
  urlWithPassword: string;
  /** The URL without credentials (fetch works, push is refused: 401). */
  url: string;
  stop(): Promise<void>;
}

/**
 * A git smart-HTTP server on loopback: node:http in front of `git http-backend`, in its own
 * process (the tests run sortie with spawnSync, which would block a server in this one), with
 * HTTP Basic auth for pushes (user `ada`).
 */
export async function httpGitServer(remote: BareRemote, password: string): Promise<HttpServer> {
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'http-git-server.mjs'), remote.base, password], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) res(Number(m[1]));
    });
    child.once('exit', (code) => rej(new Error(`http git server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/team.git`,
    urlWithPassword: `http://ada:${password}@127.0.0.1:${port}/team.git`,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
