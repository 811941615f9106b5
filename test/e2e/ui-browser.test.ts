/**
 * `sortie ui` and `sortie report` in a real browser (Debian's Chromium through playwright-core),
 * against a repository scripted with the built CLI and hook entry: agents started by the
 * SessionStart hook, claims and status changes from the CLI, commits through the installed git
 * hooks (one of them blocked), a PreCompact checkpoint, and an agent killed with SIGKILL and reaped
 * by the next SessionStart. Screenshots go to the folder printed at the start (SORTIE_SCREENSHOTS
 * to choose it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumAvailable, launch, startUi, type Browser, type UiProcess } from '../helpers/browser.js';
import { inspect } from '../helpers/db.js';
import { commit } from '../helpers/guard.js';
import { agentMissions } from '../helpers/missions.js';
import { HOOK, ROOT, dbOf, makeRepo, type TempRepo } from '../helpers/repo.js';

const XSS = '<img src=x onerror=alert(1)>';
const ALIVE = join(ROOT, 'test', 'helpers', 'alive.mjs');
const shots = process.env.SORTIE_SCREENSHOTS ?? realpathSync(mkdtempSync(join(tmpdir(), 'sortie-ui-shots-')));
const WAIT = { timeout: 15_000 };

interface Agent {
  id: number;
  codename: string;
  sid: string;
  env: Record<string, string>;
}

const runnable = chromiumAvailable();

describe.runIf(runnable)('sortie ui in Chromium', () => {
  let repo: TempRepo;
  let ui: UiProcess;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const children: ChildProcess[] = [];
  const agents: Record<string, Agent> = {};

  /** SessionStart through the bundled hook entry, as Claude Code runs it. */
  function sessionStart(sid: string, extraEnv: Record<string, string> = {}): Agent {
    const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-envfile-')));
    try {
      const envFile = join(tmp, 'env.sh');
      const payload = { session_id: sid, transcript_path: join(tmp, `${sid}.jsonl`), cwd: repo.dir, hook_event_name: 'SessionStart', source: 'startup' };
      const r = spawnSync(process.execPath, [HOOK, 'claude-code', 'SessionStart'], {
        cwd: repo.dir,
        env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir, CLAUDE_ENV_FILE: envFile, CLAUDE_CODE_SESSION_ID: sid, ...extraEnv },
        input: JSON.stringify(payload),
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const id = Number(/SORTIE_MISSION='?(\d+)/.exec(readFileSync(envFile, 'utf8'))?.[1]);
      expect(id).toBeGreaterThan(0);
      const codename = inspect(dbOf(repo), (d) => d.prepare('SELECT codename FROM missions WHERE id = ?').pluck().get(id)) as string;
      return { id, codename, sid, env: { SORTIE_MISSION: String(id), CLAUDE_CODE_SESSION_ID: sid } };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const cli = (args: string[], env: Record<string, string> = {}) => {
    const r = repo.sortie(args, { env });
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };
  const startChild = () =>
    new Promise<ChildProcess>((resolve) => {
      const c = spawn(process.execPath, [ALIVE], { stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(c);
      c.stdout!.once('data', () => resolve(c));
    });

  beforeAll(async () => {
    console.log(`sortie ui screenshots: ${shots}`);
    mkdirSync(shots, { recursive: true });
    repo = makeRepo({ name: 'ui' });
    cli(['init']);
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'Set up sortie');
    cli(['task', 'new', 'Fix the login redirect', '-p', 'high', '--label', 'auth']); // 1
    cli(['task', 'new', 'Add a logout button', '--label', 'ui']); // 2
    cli(['task', 'new', XSS, '--label', '<b>bold</b>']); // 3
    cli(['task', 'new', 'Rate-limit the public API', '-p', 'critical', '--status', 'BLOCKED']); // 4
    cli(['task', 'new', 'Write the migration guide', '-p', 'low', '--label', 'docs']); // 5
    cli(['task', 'new', 'Flaky upload test', '--label', 'ci']); // 6
    cli(['task', 'new', 'Review the cache layer', '-p', 'high']); // 7
    cli(['task', 'new', 'Drop the legacy importer', '-p', 'low']); // 8
    cli(['task', 'new', 'Search filters on the task list']); // 9: claimed live, later
    cli(['task', 'new', 'Nightly export job', '--label', 'ops']); // 10: held by a silent mission

    // A mission silent for 12 minutes (started through the library, alive process): stale.
    const [quiet] = agentMissions(dbOf(repo), 1, { at: new Date(Date.now() - 12 * 60_000).toISOString(), pid: process.pid, sessionPrefix: 'quiet' });
    cli(['task', 'claim', 'TASK-10'], { SORTIE_MISSION: String(quiet!.id) });

    // alpha: its agent process is one we kill; it claims and commits first.
    const alphaProcess = await startChild();
    agents.alpha = sessionStart('alpha-session', { CLAUDE_PID: String(alphaProcess.pid) });
    cli(['task', 'claim', 'TASK-1'], agents.alpha.env);
    expect(commit(repo, 'TASK-1: send users to the dashboard after login', { env: agents.alpha.env }).code).toBe(0);

    // bravo: claims its own task, then tries to commit on alpha's: blocked by the git hooks.
    agents.bravo = sessionStart('bravo-session');
    cli(['task', 'claim', 'TASK-2'], agents.bravo.env);
    const blocked = commit(repo, 'TASK-1: my take on the redirect', { env: agents.bravo.env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('commit blocked');
    cli(['task', 'handoff', 'TASK-2', '--note', 'logout works; needs tests'], agents.bravo.env);
    cli(['task', 'claim', 'TASK-7'], agents.bravo.env);
    cli(['task', 'review', 'TASK-7'], agents.bravo.env);

    // alpha dies without a goodbye; charlie's SessionStart reaps it.
    await new Promise<void>((resolve) => {
      alphaProcess.once('exit', () => resolve());
      alphaProcess.kill('SIGKILL');
    });
    agents.charlie = sessionStart('charlie-session');
    cli(['task', 'claim', 'TASK-5'], agents.charlie.env);
    expect(commit(repo, 'TASK-5: first draft of the migration guide', { env: agents.charlie.env }).code).toBe(0);
    cli(['task', 'done', 'TASK-5'], agents.charlie.env);
    cli(['task', 'claim', 'TASK-6'], agents.charlie.env);
    cli(['task', 'pause', 'TASK-6', '--note', 'needs the upload fixture first'], agents.charlie.env);
    // A compaction: PreCompact takes the checkpoint.
    const pre = spawnSync(process.execPath, [HOOK, 'claude-code', 'PreCompact'], {
      cwd: repo.dir,
      env: { ...repo.env, CLAUDE_CODE_SESSION_ID: 'charlie-session' },
      input: JSON.stringify({ session_id: 'charlie-session', cwd: repo.dir, hook_event_name: 'PreCompact', trigger: 'auto' }),
      encoding: 'utf8',
    });
    expect(pre.status, pre.stderr).toBe(0);
    cli(['task', 'abort', 'TASK-8', '--note', 'superseded']);

    ui = await startUi(repo.dir, repo.env);
    browser = await launch();
    page = await browser.context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (ui && ui.child.exitCode === null) await ui.stop();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    repo?.cleanup();
  });

  it('requires the token on every request (403 and no data without it or with a wrong one)', async () => {
    const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: ui.port, path, method, headers }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const wrong = ui.token.replace(/./, (c) => (c === 'a' ? 'b' : 'a'));
    for (const path of ['/', '/api/board', '/app.js', `/${wrong}/`, `/${wrong}/api/board`, `/${wrong}/api/mission?id=1`, `/${ui.token.slice(0, -1)}/api/board`, `/x${ui.token}/api/board`]) {
      const r = await get(path);
      expect(r.status, path).toBe(403);
      expect(r.body, path).not.toContain('TASK-');
      expect(r.body, path).not.toContain('login');
    }
    const ok = await get(`/${ui.token}/api/board`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).columns).toHaveLength(7);
    // A page on another origin that learned the URL through DNS rebinding names its own host.
    expect((await get(`/${ui.token}/api/board`, { host: `attacker.example:${ui.port}` })).status).toBe(403);
    expect((await get(`/${ui.token}/api/board`, {}, 'POST')).status).toBe(405);
    expect((await page.goto(`http://127.0.0.1:${ui.port}/`))!.status()).toBe(403);
    expect((await page.goto(`http://127.0.0.1:${ui.port}/${wrong}/`))!.status()).toBe(403);
  });

  it('shows the board: columns by status, holders with live, stale and reaped markers', async () => {
    await page.goto(ui.url);
    await page.waitForSelector('[data-view=board] .column[data-status=TODO] .card', WAIT);
    const columns = await page.$$eval('.column', (els) => els.map((e) => [e.getAttribute('data-status'), e.querySelector('.count')!.textContent]));
    expect(columns).toEqual([
      ['TODO', '2'],
      ['UNDERWAY', '3'],
      ['BLOCKED', '1'],
      ['PAUSED', '1'],
      ['REVIEW', '1'],
      ['COMPLETE', '1'],
      ['ABORTED', '1'],
    ]);
    const inColumn = (status: string) => page.$$eval(`.column[data-status=${status}] .card`, (els) => els.map((e) => e.getAttribute('data-task')));
    expect(await inColumn('TODO')).toEqual(['TASK-3', 'TASK-9']);
    expect((await inColumn('UNDERWAY')).sort()).toEqual(['TASK-1', 'TASK-10', 'TASK-2']);
    expect(await inColumn('BLOCKED')).toEqual(['TASK-4']);
    expect(await inColumn('PAUSED')).toEqual(['TASK-6']);
    expect(await inColumn('REVIEW')).toEqual(['TASK-7']);

    const holder = (task: string) => page.$eval(`.card[data-task="${task}"]`, (e) => (e.querySelector('.holder') as HTMLElement).innerText);
    expect(await holder('TASK-2')).toBe(`waiting for pickup — was ${agents.bravo!.codename} · claude-code live`);
    expect(await page.$eval('.card[data-task="TASK-2"] .note', (e) => e.textContent)).toBe(`${agents.bravo!.codename}: logout works; needs tests`);
    expect(await holder('TASK-7')).toMatch(new RegExp(`${agents.bravo!.codename} · claude-code live`));
    expect(await holder('TASK-10')).toMatch(/· claude-code stale/);
    // alpha was reaped: its task waits for pickup, and says who had it.
    expect(await holder('TASK-1')).toBe(`waiting for pickup — was ${agents.alpha!.codename} · claude-code reaped`);
    expect(await page.$eval('.card[data-task="TASK-1"]', (e) => e.classList.contains('waiting'))).toBe(true);
    expect(await page.$eval('.card[data-task="TASK-1"] .dot', (e) => e.className)).toContain('state-reaped');

    // Closed columns are collapsed until asked for.
    expect(await inColumn('COMPLETE')).toEqual([]);
    await page.click('.column[data-status=COMPLETE] header button');
    await page.waitForSelector('.card[data-task="TASK-5"]', WAIT);
    expect(await page.$eval('.column[data-status=COMPLETE] header button', (b) => b.getAttribute('aria-expanded'))).toBe('true');
    await page.screenshot({ path: join(shots, 'board.png') });
  });

  it('renders an HTML-looking title as text, never as markup', async () => {
    const card = page.locator('.card[data-task="TASK-3"]');
    expect(await card.locator('.title').textContent()).toBe(XSS);
    expect(await card.locator('.label').textContent()).toBe('<b>bold</b>');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('.card b').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('shows a claim made from the CLI without a reload', async () => {
    await page.waitForSelector('#live.on', WAIT);
    const marker = await page.evaluate(() => ((window as unknown as { __noReload: number }).__noReload = 42));
    const t0 = Date.now();
    cli(['task', 'claim', 'TASK-9']);
    const claimed = Date.now();
    await page.waitForSelector('.column[data-status=UNDERWAY] .card[data-task="TASK-9"] .holder', WAIT);
    console.log(`claim on the page ${Date.now() - claimed} ms after the CLI returned (${claimed - t0} ms in the CLI)`);
    expect(await page.$eval('.card[data-task="TASK-9"] .holder', (e) => (e as HTMLElement).innerText)).toMatch(/· person@example\.com live/);
    expect(await page.evaluate(() => (window as unknown as { __noReload: number }).__noReload)).toBe(marker);
  });

  it('shows the timeline: lanes, the reaped mission, the blocked commit and the other markers', async () => {
    await page.click('#nav-timeline');
    await page.waitForSelector('[data-view=timeline] svg.chart a.bar', WAIT);
    const bar = page.locator(`a.bar[data-mission="${agents.alpha!.id}"]`);
    expect(await bar.getAttribute('data-state')).toBe('reaped');
    expect(await bar.locator('title').textContent()).toContain('(abandoned)');
    for (const kind of ['claim', 'commit', 'blocked', 'compaction', 'reap', 'handoff', 'done']) {
      expect(await page.locator(`[data-marker="${kind}"]`).count(), kind).toBeGreaterThan(0);
    }
    expect(await page.locator('[data-marker="blocked"] title').first().textContent()).toContain(`commit blocked on TASK-1 (held-by-other, held by ${agents.alpha!.codename})`);
    const lanes = await page.$$eval('text.lane-label', (els) => els.map((e) => e.textContent));
    expect(lanes).toEqual(['claude-code', 'person@example.com']);

    // A new agent's SessionStart shows up on the open page, without a reload.
    const before = await page.locator('a.bar').count();
    agents.delta = sessionStart('delta-session');
    await page.waitForSelector(`a.bar[data-mission="${agents.delta.id}"][data-state="live"]`, WAIT);
    expect(await page.locator('a.bar').count()).toBe(before + 1);

    // A commit is queued by post-commit (no Node) and applied by the server: it appears too.
    const commits = await page.locator('[data-marker="commit"]').count();
    expect(commit(repo, 'Tidy the README', { env: agents.delta.env }).code).toBe(0);
    await page.waitForFunction((n) => document.querySelectorAll('[data-marker="commit"]').length === n + 1, commits, WAIT);

    // The task filter keeps the missions that touched the task (created it, claimed it, finished
    // it), and that task's markers.
    const person = inspect(dbOf(repo), (d) => d.prepare("SELECT id FROM missions WHERE kind = 'person'").pluck().get()) as number;
    await page.fill('#tl-task', 'TASK-5');
    await page.locator('#tl-task').dispatchEvent('change');
    await page.waitForFunction(() => document.querySelectorAll('a.bar').length === 2, null, WAIT);
    expect((await page.$$eval('a.bar', (els) => els.map((e) => Number(e.getAttribute('data-mission'))))).sort()).toEqual([person, agents.charlie!.id].sort());
    expect(new Set(await page.$$eval('.marker', (els) => els.map((e) => e.getAttribute('data-task'))))).toEqual(new Set(['TASK-5']));
    await page.fill('#tl-task', '');
    await page.locator('#tl-task').dispatchEvent('change');
    await page.waitForFunction((n) => document.querySelectorAll('a.bar').length === n, before + 1, WAIT);

    // The filter narrows the lanes; zoom narrows the window around its centre.
    await page.selectOption('#tl-agent', 'person:person@example.com');
    await page.waitForFunction(() => document.querySelectorAll('text.lane-label').length === 1, null, WAIT);
    expect(await page.$$eval('text.lane-label', (els) => els.map((e) => e.textContent))).toEqual(['person@example.com']);
    await page.selectOption('#tl-agent', '');
    await page.waitForFunction(() => document.querySelectorAll('text.lane-label').length === 2, null, WAIT);
    const span = async () => {
      const [f, t] = await Promise.all([page.inputValue('#tl-from'), page.inputValue('#tl-to')]);
      return Date.parse(`${t}Z`) - Date.parse(`${f}Z`);
    };
    const wide = await span();
    await page.click('button[aria-label="Zoom in"]');
    const narrower = await span();
    expect(narrower).toBeLessThan(wide * 0.7);
    // The wheel over the chart zooms too (out, here), and the arrow keys move the window.
    const box = (await page.locator('#tl-chart').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 40);
    await page.mouse.wheel(0, 200);
    await page.waitForFunction((n) => {
      const v = (id: string) => Date.parse(`${(document.getElementById(id) as HTMLInputElement).value}Z`);
      return v('tl-to') - v('tl-from') > n;
    }, narrower, WAIT);
    const fromBefore = await page.inputValue('#tl-from');
    await page.focus('#tl-chart');
    await page.keyboard.press('ArrowRight');
    expect(Date.parse(`${await page.inputValue('#tl-from')}Z`)).toBeGreaterThan(Date.parse(`${fromBefore}Z`));

    // Frame the scripted minutes for the picture: from the first start-up to now.
    const first = inspect(dbOf(repo), (d) => d.prepare("SELECT MIN(started_at) FROM missions WHERE session_id NOT LIKE 'quiet%'").pluck().get()) as string;
    const from = new Date(Date.parse(first) - 3_000).toISOString().slice(0, 19);
    const to = new Date(Date.now() + 3_000).toISOString().slice(0, 19);
    for (const [id, value] of [['#tl-from', from], ['#tl-to', to]] as const) {
      await page.fill(id, value);
      await page.locator(id).dispatchEvent('change');
    }
    await page.waitForFunction(
      ([f, t]) => ['tl-from', 'tl-to'].every((id, i) => Math.abs(Date.parse(`${(document.getElementById(id) as HTMLInputElement).value}Z`) - Date.parse(`${[f, t][i]}Z`)) < 1000),
      [from, to],
      WAIT,
    );
    await page.waitForSelector(`a.bar[data-mission="${agents.alpha!.id}"]`, WAIT);
    await page.locator('#tl-to').blur();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(shots, 'timeline.png') });
  });

  it('shows a mission page: its claims, commits, handoff and the context as injected', async () => {
    // By keyboard: a bar is a link.
    await page.focus(`a.bar[data-mission="${agents.alpha!.id}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`[data-view=mission][data-mission="${agents.alpha!.id}"]`, WAIT);
    const text = await page.locator('[data-view=mission]').innerText();
    expect(text).toContain(agents.alpha!.codename);
    expect(text).toContain('reaped');
    expect(text).toContain('TASK-1: send users to the dashboard after login');
    expect(text).toMatch(/TASK-1\s+[\d-]+ [\d:]+ UTC\s+[\d-]+ [\d:]+ UTC\s+reaped/);
    expect(await page.locator('pre[data-field=context]').textContent()).toContain(`you are mission #${agents.alpha!.id} "${agents.alpha!.codename}" (claude-code)`);
    await page.goto(`${ui.url}#/mission/${agents.charlie!.id}`);
    await page.waitForSelector(`[data-view=mission][data-mission="${agents.charlie!.id}"]`, WAIT);
    expect(await page.locator('[data-view=mission]').innerText()).toMatch(/Checkpoint\s+taken [\d-]+ [\d:]+ UTC \(auto\)/);
    await page.screenshot({ path: join(shots, 'mission.png'), fullPage: true });
  });

  it('writes the same board and timeline as one file that opens from file:// with no network', async () => {
    const file = join(shots, 'report.html');
    const r = repo.sortie(['report', '--html', file, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ file, tasks: 10 });
    const html = readFileSync(file, 'utf8');
    expect(html).not.toContain(XSS); // escaped inside the JSON, as \u003cimg
    const report = await browser.context.newPage();
    const requests: string[] = [];
    await report.route('**/*', (route) => {
      const url = route.request().url();
      if (!url.startsWith('file:')) requests.push(url);
      return url.startsWith('file:') ? route.continue() : route.abort();
    });
    const errors: string[] = [];
    report.on('pageerror', (e) => errors.push(e.message));
    await report.goto(pathToFileURL(file).href);
    await report.waitForSelector('.card[data-task="TASK-3"]', WAIT);
    expect(await report.locator('.card[data-task="TASK-3"] .title').textContent()).toBe(XSS);
    expect(await report.locator('img').count()).toBe(0);
    expect(await report.$$eval('.column', (els) => els.map((e) => e.getAttribute('data-status')))).toEqual(['TODO', 'UNDERWAY', 'BLOCKED', 'PAUSED', 'REVIEW', 'COMPLETE', 'ABORTED']);
    await report.click('#nav-timeline');
    await report.waitForSelector(`a.bar[data-mission="${agents.alpha!.id}"][data-state="reaped"]`, WAIT);
    expect(await report.locator('[data-marker="blocked"]').count()).toBeGreaterThan(0);
    // By mouse: the bar, or a marker on it, leads to the mission.
    await report.click(`a.bar[data-mission="${agents.alpha!.id}"]`, { force: true });
    await report.waitForSelector('[data-view=mission]', WAIT);
    expect(await report.locator('[data-view=mission]').innerText()).toContain('TASK-1: send users to the dashboard after login');
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await report.close();
  });

  it('shows where a task\'s state comes from when it is another branch', async () => {
    // The board takes states from effectiveTasks() with their origin (test/integration/one-truth
    // makes real ones); here the page is given a board whose task comes from a branch, the way the
    // shared view gives it, to check what the page shows.
    const { loadAssets, reportPage } = await import('../../dist/ui/page.js');
    const board = JSON.parse(await (await fetch(`${ui.url}api/board`)).text());
    const [other, here] = board.columns.flatMap((c: { cards: { id: string; origin: unknown }[] }) => c.cards);
    other.origin = { branch: 'feat/<script>', merged: false };
    here.origin = { branch: 'main' }; // the current branch: nothing to say
    const file = join(shots, 'origin.html');
    writeFileSync(file, reportPage(loadAssets(), { generatedAt: new Date().toISOString(), board, timeline: { from: board.generatedAt, to: board.generatedAt, now: board.generatedAt, lanes: [], missions: [], markers: [], truncated: false, agents: [], branches: [] }, missions: {} }));
    const p = await browser.context.newPage();
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector(`.card[data-task="${other.id}"] .origin`, WAIT);
    expect(await p.locator(`.card[data-task="${other.id}"] .origin`).textContent()).toBe('on feat/<script>, not merged');
    expect(await p.locator(`.card[data-task="${here.id}"]`).count()).toBe(1);
    expect(await p.locator(`.card[data-task="${here.id}"] .origin`).count()).toBe(0);
    await p.close();
  });

  it('stops cleanly on Ctrl-C', async () => {
    expect(await ui.stop()).toBe(0);
    const refused = await fetch(ui.url).then(
      () => 'answered',
      () => 'refused',
    );
    expect(refused).toBe('refused');
  });
});
