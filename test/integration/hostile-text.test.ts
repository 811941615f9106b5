// One scenario, in steps: one hostile string (newlines, a forged `## ` heading, ANSI escapes,
// `$(...)`, backticks, `---`, `<script>`) enters through every door sortie has (a SessionEnd
// reason, a task title, a branch name, a commit subject, a mission note and a task handoff note),
// through the real hooks, CLI and git, and every sink it reaches is checked: the journal's YAML
// front matter, the terminal (mission list and show, task list and show, status, log), and the
// next agent's injected context. (HTML is the forHtml sink: test/unit/text.test.ts.)
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, gitRun, query, startAgent, type Agent } from '../helpers/guard.js';
import { HOOK, makeRepo, type TempRepo } from '../helpers/repo.js';

const HOSTILE = 'x\n## forged heading\n\x1b[31mred\x1b[0m $(touch pwned) `touch pwned2` ---\n---\n<script>alert(1)</script>';
// A branch name cannot hold a newline, a space or an escape; the rest it can.
const BRANCH = 'feat/$(touch_pwned)`id`<script>#---';
const SUBJECT = '\x1b[31mred\x1b[0m ## forged $(touch pwned) `id` <script>';
const SORTIE_HEADINGS = /^(# sortie: |## (Tasks you hold|Handoff notes|Tasks to pick from|Other missions|Changed since your agent's last mission|Commands)\b)/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const yaml = createRequire(import.meta.url)('js-yaml') as { load(s: string): unknown };

let repo: TempRepo;
let a: Agent;
let context: string;

function hook(event: string, session: string, extra: Record<string, unknown>): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [HOOK, 'claude-code', event], {
    cwd: repo.dir,
    env: { ...repo.env, CLAUDE_PROJECT_DIR: repo.dir, CLAUDE_CODE_SESSION_ID: session },
    input: JSON.stringify({ session_id: session, cwd: repo.dir, hook_event_name: event, ...extra }),
    encoding: 'utf8',
  });
}

/** No escape sequence or control character; in a table or a log (one record per line), no line of its own either. */
function terminalSafe(out: string, oneLinePerRecord: boolean): void {
  for (const line of out.split('\n')) {
    expect(line).not.toMatch(CONTROL);
    if (oneLinePerRecord) expect(line).not.toMatch(/^\s*(## forged|<script>|---$)/);
  }
}

beforeAll(() => {
  repo = makeRepo({ name: 'hostile' });
  expect(repo.sortie(['init']).code).toBe(0);
  // A task file written by hand: YAML escapes carry the newlines and the escape character.
  repo.write('.sortie/tasks/TASK-1-hostile.md', `---\nid: TASK-1\ntitle: ${JSON.stringify(HOSTILE)}\nstatus: TODO\npriority: high\n---\n\n${HOSTILE}\n`);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'set up sortie');
  expect(gitRun(repo, ['checkout', '-q', '-b', BRANCH]).code).toBe(0);
  a = startAgent(repo, 'hostile-a');
});
afterAll(() => repo?.cleanup());

describe('one hostile string through every door', () => {
  it('enters: a claim, a commit subject, a mission note, a handoff note, a SessionEnd reason', () => {
    expect(repo.sortie(['task', 'claim', 'TASK-1'], { env: a.env }).code).toBe(0);
    const c = commit(repo, SUBJECT, { env: a.env });
    expect(c.code, c.stderr).toBe(0);
    expect(repo.sortie(['mission', 'note', HOSTILE], { env: a.env }).code).toBe(0);
    expect(repo.sortie(['task', 'handoff', 'TASK-1', '--note', HOSTILE], { env: a.env }).code).toBe(0);
    const end = hook('SessionEnd', a.sid, { reason: HOSTILE });
    expect(end.status, String(end.stderr)).toBe(0);
    expect(repo.sortie(['mission', 'list']).code).toBe(0); // applies the queued end
    // Stored as it came: the sinks make it safe, not the doors.
    const m = query(repo, 'SELECT end_reason, branch, handoff FROM missions WHERE id = ?', a.id)[0];
    expect(m).toEqual({ end_reason: HOSTILE, branch: BRANCH, handoff: HOSTILE });
  });

  it("the journal's front matter reads back as the same keys, the values exactly as stored", () => {
    const dir = join(repo.dir, '.sortie', 'missions');
    const file = readdirSync(dir).find((f) => f.endsWith(`-${a.codename}.md`))!;
    const text = readFileSync(join(dir, file), 'utf8');
    const fm = /^---\n([\s\S]*?)\n---\n/.exec(text)![1]!;
    const data = yaml.load(fm) as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(['agent', 'branch', 'codename', 'end_reason', 'ended', 'mission', 'session', 'started', 'tasks']);
    expect(data.end_reason).toBe(HOSTILE);
    expect(data.branch).toBe(BRANCH);
    expect(text).not.toContain('\x1b');
    // The body: the note cannot add a heading that ends the Handoff section.
    expect(text.split('\n').filter((l) => /^#/.test(l))).toEqual([`# ${a.codename} (claude-code)`, '## Claims', '## Commits', '## Handoff']);
  });

  it('the next agent\'s context: no forged heading, no escape, no control character', () => {
    const r = hook('SessionStart', 'hostile-b', { source: 'startup' });
    expect(r.status, String(r.stderr)).toBe(0);
    context = JSON.parse(String(r.stdout)).hookSpecificOutput.additionalContext as string;
    // It did carry the hostile text: the handoff, the reason, the note, the title, the commit.
    expect(context).toContain('forged heading');
    expect(context).toContain('red');
    for (const line of context.split('\n')) {
      expect(line).not.toMatch(CONTROL);
      if (/^\s{0,3}#/.test(line)) expect(line, line).toMatch(SORTIE_HEADINGS);
      expect(line.trim()).not.toBe('---');
      expect(line).not.toMatch(/^\s*<script>/);
    }
  });

  it('the terminal: every command prints each record on its own line, with no escape sequence', () => {
    for (const [args, oneLine] of [
      [['mission', 'list', '--all'], true],
      [['task', 'list', '--all'], true],
      [['status'], true],
      [['log'], true],
      // A body and a handoff are blocks: their lines stay lines, made safe one by one.
      [['mission', 'show', String(a.id)], false],
      [['task', 'show', 'TASK-1'], false],
    ] as const) {
      const r = repo.sortie([...args]);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      terminalSafe(r.stdout, oneLine);
      terminalSafe(r.stderr, true);
    }
    const list = repo.sortie(['mission', 'list', '--all']).stdout.trimEnd().split('\n');
    expect(list).toHaveLength(1 + (query(repo, 'SELECT COUNT(*) AS n FROM missions')[0].n as number));
    expect(list.find((l) => l.includes(a.codename))).toContain('ended (x ## forged heading red $(touch pwned)');
    const tasks = repo.sortie(['task', 'list', '--all']).stdout.trimEnd().split('\n');
    expect(tasks).toHaveLength(2);
  });

  it('and nothing in it ever ran', () => {
    expect(readdirSync(repo.dir).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });
});
