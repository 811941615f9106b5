// `sortie ui` as a process, without a browser: the token, the port option, live events, Ctrl-C.
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startUi } from '../helpers/browser.js';
import { makeRepo } from '../helpers/repo.js';

const repo = makeRepo({ name: 'ui-server' });
afterAll(() => repo.cleanup());

describe('sortie ui', () => {
  it('serves data only with its token, streams a change when a task is claimed, and stops on Ctrl-C', async () => {
    expect(repo.sortie(['task', 'new', 'Served']).code).toBe(0);
    const ui = await startUi(repo.dir, repo.env);
    try {
      expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{48}\/$/);
      expect((await fetch(`http://127.0.0.1:${ui.port}/api/board`)).status).toBe(403);
      expect((await fetch(`http://127.0.0.1:${ui.port}/${'0'.repeat(48)}/api/board`)).status).toBe(403);
      const board = await (await fetch(`${ui.url}api/board`)).json();
      expect(board.columns[0]).toMatchObject({ status: 'TODO', total: 1, cards: [{ id: 'TASK-1', title: 'Served', holder: null }] });
      // Without the trailing slash the page's relative URLs would lose the token: redirected.
      const bare = await fetch(ui.url.slice(0, -1), { redirect: 'manual' });
      expect(bare.status).toBe(308);
      expect(bare.headers.get('location')).toBe(`/${ui.token}/`);

      // Server-Sent Events: a claim from the CLI is announced.
      const controller = new AbortController();
      const events = await fetch(`${ui.url}api/events`, { signal: controller.signal });
      const reader = events.body!.getReader();
      let seen = '';
      const changed = (async () => {
        while (!seen.includes('event: change')) {
          const { value, done } = await reader.read();
          if (done) break;
          seen += new TextDecoder().decode(value);
        }
      })();
      expect(repo.sortie(['task', 'claim', 'TASK-1']).code).toBe(0);
      await changed;
      controller.abort();
      expect(seen).toContain('event: change');
      const after = await (await fetch(`${ui.url}api/board`)).json();
      expect(after.columns[1].cards[0]).toMatchObject({ id: 'TASK-1', holder: { kind: 'person', person: 'person@example.com', state: 'live' } });
    } finally {
      expect(await ui.stop()).toBe(0);
    }
    expect(ui.output()).toContain('"url"');
  });

  it('--port takes that port, and says so clearly when it is taken', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = repo.sortie(['ui', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} is already in use`);
      expect(repo.sortie(['ui', '--port', 'eighty']).code).toBe(2);
    } finally {
      await new Promise((r) => busy.close(r));
    }
    const ui = await startUi(repo.dir, repo.env, ['--port', String(port)]);
    expect(ui.port).toBe(port);
    expect(await ui.stop()).toBe(0);
  });
});
