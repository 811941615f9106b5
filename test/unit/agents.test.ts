/**
 * The agent registry holds together: names are unique, every adapter's events map to kinds the
 * runner knows, the hooks that must answer can, and what an adapter repeats from a layer it may
 * not import is still the same.
 */
import { expect, test } from 'vitest';
import { AGENT_LIST, agentNamed } from '../../dist/agents/index.js';
import { SORTIE_HOOK_MARK } from '../../dist/agents/cursor/index.js';
import { MARK } from '../../dist/install/command.js';

const KINDS = new Set(['start', 'heartbeat', 'precompact', 'end', 'pretool', 'posttool']);

test('names and aliases are unique; every event maps to a known kind; a pre-tool event has an answer format', () => {
  const names = AGENT_LIST.flatMap((a) => [a.name, ...a.aliases]);
  expect(new Set(names).size).toBe(names.length);
  for (const a of AGENT_LIST) {
    expect(agentNamed(a.name)).toBe(a);
    for (const [event, kind] of Object.entries(a.events)) expect(KINDS.has(kind), `${a.name} ${event}`).toBe(true);
    if (Object.values(a.events).includes('pretool')) expect(typeof a.preToolOutput, a.name).toBe('function');
    expect(Object.values(a.events), `${a.name} has a start`).toContain('start');
  }
});

test("an agent that runs another's hooks maps each of that agent's events to one of its own, of the same kind", () => {
  const hosts = AGENT_LIST.filter((a) => a.runsHooksOf);
  expect(hosts.map((a) => a.name)).toEqual(['cursor']);
  for (const host of hosts) {
    const guest = agentNamed(host.runsHooksOf!.agent)!;
    for (const [event, mapped] of Object.entries(host.runsHooksOf!.events)) expect(host.events[mapped], `${event} -> ${mapped}`).toBe(guest.events[event]);
    expect(Object.keys(host.runsHooksOf!.events).sort()).toEqual(Object.keys(guest.events).sort());
  }
});

test("Cursor's copy of the mark every sortie hook command ends with is install/command.ts's", () => {
  expect(SORTIE_HOOK_MARK).toBe(MARK);
});

test('the in-process agents answer a start with the mission and the shim for their plugin; the others with their own format', () => {
  const extras = { mission: 7, bin: '/repo/.git/sortie/bin' };
  for (const name of ['opencode', 'pi']) {
    const a = agentNamed(name)!;
    const start = Object.keys(a.events).find((e) => a.events[e] === 'start')!;
    expect(JSON.parse(a.contextOutput(start, 'CTX', extras)!)).toEqual({ context: 'CTX', mission: 7, bin: '/repo/.git/sortie/bin' });
    const pre = Object.keys(a.events).find((e) => a.events[e] === 'precompact')!;
    expect(JSON.parse(a.contextOutput(pre, 'CTX', { ...extras, checkpoint: 'CP' })!)).toMatchObject({ checkpoint: 'CP' });
    expect(a.compaction).toBe('inline');
  }
  expect(JSON.parse(agentNamed('cursor')!.contextOutput('sessionStart', 'CTX', extras)!)).toEqual({ additional_context: 'CTX' });
});
