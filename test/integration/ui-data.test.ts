// The data behind the board and the timeline (src/ui/data.ts) and the report page, without a
// browser: paging, windows, filters, caps, and the escaping of inlined data.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../dist/store/open.js';
import { boardData, missionData, timelineData, type UiWorld } from '../../dist/ui/data.js';
import { loadAssets, reportPage, scriptJson } from '../../dist/ui/page.js';
import { parsePages } from '../../dist/ui/server.js';
import { loadConfig } from '../../dist/config/load.js';
import { agentMissions } from '../helpers/missions.js';
import { dbOf, makeRepo, taskFile, type TempRepo } from '../helpers/repo.js';

let repo: TempRepo;
let db: ReturnType<typeof openDb>;
let world: UiWorld;
const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

beforeAll(async () => {
  repo = makeRepo({ name: 'ui-data' });
  for (let i = 1; i <= 120; i++) repo.write(`.sortie/tasks/TASK-${i}.md`, taskFile(`TASK-${i}`, { title: `Task ${i}`, status: i <= 110 ? 'TODO' : 'COMPLETE', priority: i % 3 ? 'medium' : 'high' }));
  expect(repo.sortie(['status']).code).toBe(0);
  // Three agent missions at known times, and one claim.
  agentMissions(dbOf(repo), 1, { at: at(0), sessionPrefix: 'a' });
  agentMissions(dbOf(repo), 1, { at: at(60), sessionPrefix: 'b', agent: 'codex' });
  agentMissions(dbOf(repo), 1, { at: at(120), sessionPrefix: 'c' });
  db = openDb(dbOf(repo));
  db.prepare("UPDATE missions SET ended_at = ?, end_reason = 'other' WHERE id = 1").run(at(30));
  db.prepare("UPDATE missions SET ended_at = ?, end_reason = 'abandoned' WHERE id = 2").run(at(90));
  db.prepare("UPDATE missions SET branch = 'feat' WHERE id = 3").run();
  const { config } = await loadConfig(repo.dir);
  world = { db, config, now: () => new Date(T0 + 150 * 60_000), branch: () => 'main', repoName: 'r' };
});
afterAll(() => {
  db?.close();
  repo?.cleanup();
});

describe('board', () => {
  it('pages each column and keeps closed ones empty until asked', () => {
    const b = boardData(world);
    const todo = b.columns.find((c) => c.status === 'TODO')!;
    expect(todo).toMatchObject({ total: 110, closed: false });
    expect(todo.cards).toHaveLength(50);
    // Best priority first.
    expect(todo.cards.slice(0, 3).map((c) => c.priority)).toEqual(['high', 'high', 'high']);
    const done = b.columns.find((c) => c.status === 'COMPLETE')!;
    expect(done).toMatchObject({ total: 10, closed: true, cards: [] });
    const more = boardData(world, parsePages('TODO:100,COMPLETE:5,NOPE:3,REVIEW:x'));
    expect(more.columns.find((c) => c.status === 'TODO')!.cards).toHaveLength(100);
    expect(more.columns.find((c) => c.status === 'COMPLETE')!.cards).toHaveLength(5);
    expect(parsePages('TODO:100,COMPLETE:5,NOPE:3,REVIEW:x')).toEqual({ TODO: 100, COMPLETE: 5 });
    expect(todo.cards[0]!.origin).toBeNull();
  });
});

describe('timeline', () => {
  it('returns the missions overlapping the window, by lane, live ones to now', () => {
    const all = timelineData(world, { from: at(-10), to: at(200) });
    expect(all.missions.map((m) => [m.id, m.lane, m.state])).toEqual([
      [1, 'agent:claude-code', 'ended'],
      [2, 'agent:codex', 'reaped'],
      [3, 'agent:claude-code', 'stale'],
    ]);
    expect(all.lanes.map((l) => l.key)).toEqual(['agent:claude-code', 'agent:codex']);
    expect(all.markers).toEqual([]); // agentMissions records mission.started only: not a marker
    expect(timelineData(world, { from: at(35), to: at(55) }).missions).toEqual([]);
    expect(timelineData(world, { from: at(95), to: at(110) }).missions).toEqual([]);
    expect(timelineData(world, { from: at(125), to: at(130) }).missions.map((m) => m.id)).toEqual([3]);
    expect(timelineData(world, { from: at(85), to: at(95) }).missions.map((m) => m.id)).toEqual([2]);
    expect(timelineData(world, { from: at(-10), to: at(200), agent: 'agent:codex' }).missions.map((m) => m.id)).toEqual([2]);
    expect(timelineData(world, { from: at(-10), to: at(200), branch: 'feat' }).missions.map((m) => m.id)).toEqual([3]);
    const capped = timelineData(world, { from: at(-10), to: at(200), maxMissions: 2 });
    expect(capped.truncated).toBe(true);
    expect(capped.missions.map((m) => m.id)).toEqual([2, 3]); // the most recent
    expect(all.agents.map((a) => a.key)).toEqual(['agent:claude-code', 'agent:codex']);
    expect(all.branches).toEqual(['feat']);
  });

  it('defaults to a window that ends now and holds the recent missions', () => {
    const d = timelineData(world);
    expect(Date.parse(d.to)).toBeGreaterThan(T0 + 150 * 60_000);
    expect(Date.parse(d.from)).toBeLessThanOrEqual(T0);
    expect(d.missions).toHaveLength(3);
  });

  it('gives a mission page with the context re-rendered', () => {
    const m = missionData(world, 3)!;
    expect(m.mission).toMatchObject({ id: 3, branch: 'feat', state: 'stale' });
    expect(m.context).toContain('you are mission #3');
    expect(missionData(world, 999)).toBeUndefined();
  });
});

describe('report page', () => {
  it('inlines data that cannot close its script element, and pins script and style by hash', () => {
    const hostile = { title: '</script><script>alert(1)</script>', sep: '\u2028', amp: '&lt;' };
    const json = scriptJson(hostile);
    expect(json).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(json)).toEqual(hostile);
    const assets = loadAssets();
    const html = reportPage(assets, hostile);
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data element and the app's, nothing from the data
    const hash = (s: string) => createHash('sha256').update(s).digest('base64');
    expect(html).toContain(`script-src 'sha256-${hash(assets.js)}'`);
    expect(html).toContain(`style-src 'sha256-${hash(assets.css)}'`);
    expect(html).not.toMatch(/<script src=|<link rel="stylesheet"/);
  });
});
