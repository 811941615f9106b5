import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { currentBranch } from '../git.js';
import type { UiWorld } from '../ui/data.js';
import { loadAssets } from '../ui/page.js';
import { startUiServer } from '../ui/server.js';
import { colors, print } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { openWorld, refresh, type World } from '../world/open.js';

/** What the board, timeline and mission page read: this checkout's database, config and branch. */
export function uiWorld(w: World, ctx: Pick<Ctx, 'now'>): UiWorld {
  return { db: w.db, config: w.config, now: ctx.now, branch: () => currentBranch(w.repo), repoName: basename(w.repo.root), here: w.tasksDir };
}

/**
 * What every sortie reader does before reading: re-sync the task index (fully when task files
 * changed, else the one-stat check), then apply what the hooks queued.
 */
export function refresher(w: World, ctx: Pick<Ctx, 'env' | 'now'>): (o: { tasksChanged: boolean }) => void {
  return ({ tasksChanged }) => {
    refresh(w, { sync: tasksChanged ? 'full' : 'quick', catchUp: true }, ctx);
  };
}

function portOf(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    const m = commandMessages.badPort(v);
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
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
export async function ui(o: OptionsOf<'ui'>, ctx: Ctx): Promise<number> {
  const port = portOf(o.port);
  // Opened like any command's world, but not refreshed here: the server does that before every
  // read (refresher), a full sync first.
  const w = (await openWorld(ctx, { create: 'always' }))!;
  try {
    const server = await startUiServer({ world: uiWorld(w, ctx), refresh: refresher(w, ctx), dbFile: w.dbFile, tasksDir: w.tasksDir, assets: loadAssets(), port });
    // Listening for Ctrl-C before the URL is out: whoever reads it may stop the server at once.
    const stopped = untilStopped();
    if (o.json) ctx.stdout.write(`${JSON.stringify({ url: server.url, port: server.port })}\n`);
    else print(ctx, commandMessages.uiListening(colors(ctx), server.url));
    if (o.open && !(await openBrowser(server.url, ctx.env)) && !o.json) print(ctx, commandMessages.noBrowser());
    await stopped;
    await server.close();
    if (!o.json) print(ctx, commandMessages.uiStopped());
    return 0;
  } finally {
    w.close();
  }
}
