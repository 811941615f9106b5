import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Parsed } from '../cli.js';
import { SortieError } from '../errors.js';
import { currentBranch } from '../git.js';
import { catchUp } from '../missions/catch-up.js';
import { syncTasks } from '../tasks/sync.js';
import type { UiWorld } from '../ui/data.js';
import { loadAssets } from '../ui/page.js';
import { startUiServer } from '../ui/server.js';
import { colors, print } from '../ui.js';
import { openWorkspace, type Ctx, type Workspace } from '../workspace.js';

/** What the board, timeline and mission page read: this checkout's database, config and branch. */
export function uiWorld(ws: Workspace): UiWorld {
  return { db: ws.db, config: ws.config, now: ws.ctx.now, branch: () => currentBranch(ws.repo), repoName: basename(ws.repo.root) };
}

/** What every sortie reader does before reading: apply the hooks' queue, re-sync the task index. */
export function refresher(ws: Workspace): (o: { tasksChanged: boolean }) => void {
  return ({ tasksChanged }) => {
    const now = ws.ctx.now();
    catchUp(ws.db, ws.dbFile, ws.repo, ws.config, ws.ctx.env, now);
    syncTasks(ws.db, ws.tasksDir, ws.config, now, { quick: !tasksChanged });
  };
}

function portOf(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new SortieError('USAGE', `--port must be a port number (1-65535), got "${String(v)}"`, { hint: 'sortie ui   (a free port is picked without --port)' });
  return n;
}

/** Best effort: a missing opener or display only means the URL has to be opened by hand. */
function openBrowser(url: string, env: Ctx['env']): Promise<boolean> {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  return new Promise((resolve) => {
    try {
      const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true, env: env as NodeJS.ProcessEnv });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}

/** Resolves on Ctrl-C or a termination request. */
function untilStopped(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: string) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      resolve(sig);
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    const onHup = stop('SIGHUP');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    process.once('SIGHUP', onHup);
  });
}

/** `sortie ui [--port N] [--open] [--json]`: the live board, timeline and mission pages. */
export async function ui(p: Parsed, ctx: Ctx): Promise<number> {
  const port = portOf(p.values.port);
  const ws = await openWorkspace(ctx);
  try {
    const server = await startUiServer({ world: uiWorld(ws), refresh: refresher(ws), dbFile: ws.dbFile, tasksDir: ws.tasksDir, assets: loadAssets(), port });
    // Listening for Ctrl-C before the URL is out: whoever reads it may stop the server at once.
    const stopped = untilStopped();
    const c = colors(ctx);
    if (p.values.json) ctx.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
    else {
      print(ctx, `sortie ui: ${c.bold(server.url)}`);
      print(ctx, c.dim('  read-only; only this URL (with its token) is served; Ctrl-C stops it'));
    }
    if (p.values.open && !(await openBrowser(server.url, ctx.env)) && !p.values.json) print(ctx, '  could not start a browser: open the URL above yourself');
    await stopped;
    await server.close();
    if (!p.values.json) print(ctx, 'sortie ui: stopped');
    return 0;
  } finally {
    ws.close();
  }
}
