#!/usr/bin/env node
// `npm run bench:ui`: the page of `sortie ui` at 10,000 tasks and 100,000 missions. Builds the
// repository with bench/generate.js, starts `sortie ui`, loads the board and the timeline in
// Debian's Chromium (/usr/bin/chromium) through playwright-core, and reports how long the page took
// to show them and how much memory the page and the server hold. Also times the API answers alone.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { fillHistory, git, gitEnv, initRepo, writeTasks } from './generate.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'sortie.js');
const CHROMIUM = process.env.SORTIE_CHROMIUM ?? '/usr/bin/chromium';
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    out: { type: 'string', default: join(ROOT, 'bench', 'ui-results.json') },
    keep: { type: 'boolean', default: false },
  },
});
const SIZE = opt.quick ? { tasks: 1_000, missions: 10_000, activity: 100_000, commits: 5_000 } : { tasks: 10_000, missions: 100_000, activity: 1_000_000, commits: 50_000 };
const RUNS = Number(opt.runs ?? (opt.quick ? 3 : 7));
const log = (s) => process.stderr.write(`${s}\n`);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const mib = (bytes) => Math.round((bytes / 1048576) * 10) / 10;

if (!existsSync(CHROMIUM)) {
  log(`bench:ui needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  process.exit(2);
}

const work = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-bench-ui-')));
const repo = join(work, 'repo');
const env = { ...gitEnv(), NO_COLOR: '1' };
let ui;
let browser;
let profile;
try {
  log(`bench:ui${opt.quick ? ' (quick)' : ''}: ${SIZE.tasks} tasks, ${SIZE.missions} missions, ${SIZE.activity} activity rows in ${work}`);
  initRepo(repo);
  writeTasks(repo, SIZE.tasks, 1);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'tasks');
  const run = (args) => {
    const r = spawn(process.execPath, [BIN, ...args], { cwd: repo, env, stdio: 'ignore' });
    return new Promise((res, rej) => r.on('exit', (c) => (c === 0 ? res() : rej(new Error(`sortie ${args.join(' ')} exited ${c}`)))));
  };
  await run(['init', '--no-claude']);
  fillHistory(join(repo, '.git', 'sortie', 'sortie.db'), SIZE);
  await run(['status']); // the first full index, so the server starts from a synced index

  // The server.
  const child = spawn(process.execPath, [BIN, 'ui', '--json'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) res(out.split('\n')[0]);
    });
    child.once('exit', (c) => rej(new Error(`sortie ui exited ${c}`)));
  });
  const { url } = JSON.parse(first);
  ui = child;
  const rss = () => {
    const s = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)[1]) * 1024, peak: Number(/VmHWM:\s+(\d+)/.exec(s)[1]) * 1024 };
  };

  // The history spans 2025-01-01 .. 2026-11-01 (bench/generate.js): a dense week and month of it.
  const week = { from: '2026-10-01T00:00:00.000Z', to: '2026-10-08T00:00:00.000Z' };
  const month = { from: '2026-09-01T00:00:00.000Z', to: '2026-10-01T00:00:00.000Z' };

  // The API alone (what the page waits for), as the server answers it.
  const api = async (path) => {
    const times = [];
    let bytes = 0;
    let body;
    for (let i = 0; i < RUNS + 1; i++) {
      const t0 = performance.now();
      const r = await fetch(url + path);
      const text = await r.text();
      if (i > 0) times.push(performance.now() - t0);
      bytes = text.length;
      body = JSON.parse(text);
    }
    return { ms: median(times), bytes, body };
  };
  const q = (w) => `from=${encodeURIComponent(w.from)}&to=${encodeURIComponent(w.to)}`;
  const apiBoard = await api('api/board');
  const apiWeek = await api(`api/timeline?${q(week)}`);
  const apiMonth = await api(`api/timeline?${q(month)}`);
  const apiMission = await api(`api/mission?id=${Math.floor(SIZE.missions / 2)}`);

  // The page in Chromium: navigation start to board rendered, then the timeline windows.
  profile = mkdtempSync(join(tmpdir(), 'sortie-bench-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const loads = [];
  const timelines = { week: [], month: [] };
  let metrics = {};
  let drawn = {};
  for (let i = 0; i < RUNS + 1; i++) {
    const page = await browser.newPage();
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector('[data-view=board] .card', { timeout: 60_000 });
    const boardMs = await page.evaluate(() => performance.now());
    for (const [name, w] of Object.entries({ week, month })) {
      const t = await page.evaluate((hash) => {
        const t0 = performance.now();
        location.hash = hash;
        return t0;
      }, `#/timeline?${q(w)}`);
      await page.waitForFunction((n) => document.querySelector('svg.chart') && document.getElementById('tl-from')?.value.startsWith(n), w.from.slice(0, 10), { timeout: 60_000, polling: 'raf' });
      const t1 = await page.evaluate(() => performance.now());
      if (i > 0) timelines[name].push(t1 - t);
      drawn[name] = await page.evaluate(() => ({ bars: document.querySelectorAll('a.bar').length, markers: document.querySelectorAll('.marker').length }));
    }
    if (i > 0) loads.push(boardMs);
    if (i === RUNS) {
      const cdp = await browser.newCDPSession(page);
      await cdp.send('Performance.enable');
      const m = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
      metrics = { jsHeapUsed: m.JSHeapUsedSize, jsHeapTotal: m.JSHeapTotalSize, nodes: m.Nodes };
    }
    await page.close();
  }
  const server = rss();

  const results = {
    size: SIZE,
    runs: RUNS,
    api: {
      board: { ms: apiBoard.ms, bytes: apiBoard.bytes },
      timelineWeek: { ms: apiWeek.ms, bytes: apiWeek.bytes, missions: apiWeek.body.missions.length, markers: apiWeek.body.markers.length, truncated: apiWeek.body.truncated },
      timelineMonth: { ms: apiMonth.ms, bytes: apiMonth.bytes, missions: apiMonth.body.missions.length, markers: apiMonth.body.markers.length, truncated: apiMonth.body.truncated },
      mission: { ms: apiMission.ms, bytes: apiMission.bytes },
    },
    page: {
      boardLoadMs: median(loads),
      timelineWeekMs: median(timelines.week),
      timelineMonthMs: median(timelines.month),
      drawn,
      jsHeapUsedMiB: mib(metrics.jsHeapUsed),
      jsHeapTotalMiB: mib(metrics.jsHeapTotal),
      domNodes: metrics.nodes,
    },
    server: { rssMiB: mib(server.rss), peakRssMiB: mib(server.peak) },
  };
  writeFileSync(opt.out, `${JSON.stringify(results, null, 2)}\n`);
  const r = results;
  const lines = [
    '| what | measured |',
    '|---|---|',
    `| page load, navigation start to board rendered | ${r.page.boardLoadMs.toFixed(0)} ms |`,
    `| timeline, one week (${r.api.timelineWeek.missions} missions, ${r.api.timelineWeek.markers} markers) drawn | ${r.page.timelineWeekMs.toFixed(0)} ms |`,
    `| timeline, one month (${r.api.timelineMonth.missions} missions${r.api.timelineMonth.truncated ? ', capped' : ''}, ${r.api.timelineMonth.markers} markers) drawn | ${r.page.timelineMonthMs.toFixed(0)} ms |`,
    `| page JS heap after both (used / total) | ${r.page.jsHeapUsedMiB} / ${r.page.jsHeapTotalMiB} MiB, ${r.page.domNodes} DOM nodes |`,
    `| server process memory (RSS / peak) | ${r.server.rssMiB} / ${r.server.peakRssMiB} MiB |`,
    `| API: board / week / month / mission page | ${r.api.board.ms.toFixed(0)} / ${r.api.timelineWeek.ms.toFixed(0)} / ${r.api.timelineMonth.ms.toFixed(0)} / ${r.api.mission.ms.toFixed(0)} ms (${Math.round(r.api.board.bytes / 1024)} / ${Math.round(r.api.timelineWeek.bytes / 1024)} / ${Math.round(r.api.timelineMonth.bytes / 1024)} / ${Math.round(r.api.mission.bytes / 1024)} KB) |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  log(`results: ${opt.out}`);
} finally {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (ui && ui.exitCode === null) {
    await new Promise((res) => {
      ui.once('exit', res);
      ui.kill('SIGINT');
    });
  }
  if (!opt.keep) rmSync(work, { recursive: true, force: true });
  else log(`kept: ${work}`);
}
