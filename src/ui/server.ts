import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SortieError, errorMessage } from '../errors.js';
import { stateVersion } from '../missions/timeline.js';
import { isStatus, type Status } from '../tasks/status.js';
import { boardData, missionData, timelineData, type UiWorld } from './data.js';
import { serverPage, type PageAssets } from './page.js';
import { uiMessages } from './messages.js';
import { watchState, type StateWatcher } from './watch.js';

export interface UiServerOptions {
  world: UiWorld;
  /**
   * Brings the database up to date before it is read: applies what the hooks queued (catch-up)
   * and re-syncs the task index (fully when task files changed). What every sortie reader does.
   */
  refresh: (o: { tasksChanged: boolean }) => void;
  /** The database (its WAL, and pending/ and beats/ beside it) and the task folder, watched for changes. */
  dbFile: string;
  tasksDir: string;
  assets: PageAssets;
  port?: number | undefined;
  token?: string | undefined;
}

export interface UiServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * `sortie ui`: a read-only HTTP server on loopback. Every request must carry the random token as
 * the first path segment (`/<token>/...`), so the page's relative URLs carry it without a cookie
 * (cookies are shared by every port of a host); anything else gets 403 and no data. The Host
 * header must name loopback too, so a DNS-rebound page cannot reach it even with the URL.
 */
export async function startUiServer(o: UiServerOptions): Promise<UiServer> {
  const token = o.token ?? randomBytes(24).toString('hex');
  const tokenBuf = Buffer.from(token);
  const page = serverPage(o.assets);
  const clients = new Set<ServerResponse>();
  let version = '';
  let tasksDirty = true;
  let port = 0;

  /** Up to date before any read; says whether anything changed since the last look. */
  const fresh = (): boolean => {
    o.refresh({ tasksChanged: tasksDirty });
    tasksDirty = false;
    const v = stateVersion(o.world.db);
    const changed = v !== version;
    version = v;
    return changed;
  };

  const broadcast = () => {
    for (const c of clients) c.write(`event: change\ndata: ${JSON.stringify({ version })}\n\n`);
  };

  const onChange = (what: { tasks: boolean }) => {
    if (what.tasks) tasksDirty = true;
    try {
      if (fresh()) broadcast();
    } catch {
      // a locked database or a half-written file: the next change or poll tries again
    }
  };
  const watcher: StateWatcher = watchState({ dbFile: o.dbFile, tasksDir: o.tasksDir, onChange });
  const keepAlive = setInterval(() => {
    for (const c of clients) c.write(': ping\n\n');
  }, 15_000);
  keepAlive.unref();

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const json = (res: ServerResponse, value: unknown) => send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value));

  const allowedHost = (h: string | undefined) => h === `${HOST}:${port}` || h === `localhost:${port}` || h === `[::1]:${port}`;
  const hasToken = (segment: string | undefined) => {
    if (!segment) return false;
    const b = Buffer.from(segment);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, first, ...rest] = url.pathname.split('/');
    if (!allowedHost(req.headers.host) || !hasToken(first)) return send(res, 403, 'text/plain; charset=utf-8', uiMessages.forbidden());
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', uiMessages.readOnly());
    const path = rest.join('/');
    // The page's relative URLs need the trailing slash after the token.
    if (rest.length === 0) {
      res.writeHead(308, { ...SECURITY_HEADERS, location: `/${token}/` });
      return res.end();
    }
    switch (path) {
      case '':
        return send(res, 200, 'text/html; charset=utf-8', page);
      case 'app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', o.assets.js);
      case 'app.css':
        return send(res, 200, 'text/css; charset=utf-8', o.assets.css);
      case 'api/events': {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
        res.write(`retry: 1000\nevent: hello\ndata: ${JSON.stringify({ version })}\n\n`);
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      case 'api/board': {
        fresh();
        return json(res, boardData(o.world, parsePages(url.searchParams.get('pages'))));
      }
      case 'api/timeline': {
        fresh();
        const p = url.searchParams;
        const opt = (k: string) => p.get(k)?.trim() || undefined;
        const from = opt('from');
        const to = opt('to');
        if ((from && Number.isNaN(Date.parse(from))) || (to && Number.isNaN(Date.parse(to)))) return send(res, 400, 'text/plain; charset=utf-8', uiMessages.badWindow());
        return json(
          res,
          timelineData(o.world, {
            from: from && to ? new Date(from).toISOString() : undefined,
            to: from && to ? new Date(to).toISOString() : undefined,
            agent: opt('agent'),
            task: opt('task'),
            branch: opt('branch'),
          }),
        );
      }
      case 'api/mission': {
        fresh();
        const id = Number(url.searchParams.get('id'));
        const data = Number.isInteger(id) && id > 0 ? missionData(o.world, id) : undefined;
        if (!data) return send(res, 404, 'application/json; charset=utf-8', JSON.stringify({ error: uiMessages.noMission() }));
        return json(res, data);
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', uiMessages.notFound());
    }
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', uiMessages.failed(errorMessage(e)));
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      watcher.close();
      clearInterval(keepAlive);
      const m = e.code === 'EADDRINUSE' ? uiMessages.portInUse(o.port) : e.code === 'EACCES' ? uiMessages.portPrivileged(o.port) : undefined;
      reject(m ? new SortieError('USAGE', m.message, { hint: m.hint }) : e);
    });
    server.listen(o.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  fresh();

  return {
    url: `http://${HOST}:${port}/${token}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        watcher.close();
        clearInterval(keepAlive);
        for (const c of clients) c.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `TODO:50,COMPLETE:100`: how many cards each column shows. */
export function parsePages(text: string | null): Partial<Record<Status, number>> {
  const out: Partial<Record<Status, number>> = {};
  for (const part of (text ?? '').split(',')) {
    const [s, n] = part.split(':');
    const count = Number(n);
    if (s && isStatus(s) && Number.isInteger(count) && count >= 0) out[s] = Math.min(count, 5000);
  }
  return out;
}

