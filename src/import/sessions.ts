import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { slug } from '../tasks/file.js';
import type { Status } from '../tasks/status.js';
import { filled, frontMatter, isoOf, latest, line, sections, SourceReadError, str, text } from './read.js';
import { emptyPlan, type Origin, type PlannedMission, type PlannedTask, type ReadContext, type Source, type SourcePlan } from './types.js';

/**
 * `.agents/sessions/YYYYMMDD-HHMMSS-<description>.md` (UTC timestamp in the name): coordination
 * files with front matter `session: {title, status: in_progress|paused|completed, created,
 * last_updated, linear_issue, linear_url}` and `orchestration: {current_task, spawned_agents:
 * [{agent, task, status: pending|in_progress|completed, summary}]}`, and the sections Context,
 * Current State (always handoff-ready), Next Steps, Execution Progress (waves of `- [ ] BACK-123 -
 * description`), Decisions, Blockers and a Session Log (`### YYYY-MM-DD HH:MM - Agent`).
 *
 * Each file becomes one ended mission (its handoff: Current State and Next Steps); each issue in
 * its Execution Progress, and its linear_issue, becomes a task. Sessions are deleted when complete,
 * so what is left is mostly unfinished work. The hooks it names (SessionStart, PreCompact) are
 * Claude Code's, so the agent is recorded as claude-code (assumed).
 */
export const sessions: Source = {
  looked: ['.agents/sessions/'],
  locate(ctx) {
    const dir = join(ctx.root, '.agents', 'sessions');
    return existsSync(dir) ? [dir] : [];
  },
  plan: planSessions,
};

const STATUS: Record<string, { end: string; task: Status }> = {
  in_progress: { end: 'abandoned', task: 'UNDERWAY' },
  paused: { end: 'paused', task: 'PAUSED' },
  completed: { end: 'completed', task: 'COMPLETE' },
};

const ISSUE = /^\s*[-*] \[( |x|X)\] +([A-Z][A-Z0-9]*-\d+)\b\s*(?:[-–—:]\s*)?(.*)$/;

function planSessions(ctx: ReadContext, paths: string[]): SourcePlan {
  const plan = emptyPlan('sessions');
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
          .sort()
          .map((n) => join(p, n))
      : [p],
  );
  // One task per issue id across files: the most recently updated session says where it stands.
  const tasks = new Map<string, { task: PlannedTask; updated: string; file: string }>();
  for (const file of files) {
    plan.read.push(file);
    const origin: Origin = { path: file };
    const content = readFileSync(file, 'utf8');
    let fm;
    try {
      fm = frontMatter(content, file);
    } catch (e) {
      if (!(e instanceof SourceReadError)) throw e;
      plan.skipped.push({ origin: { path: file, line: e.line }, what: 'session file', why: e.message });
      continue;
    }
    if (!fm.data) {
      plan.skipped.push({ origin: { path: file, line: 1 }, what: 'session file', why: 'no front matter (a session file starts with --- and a session: block)' });
      continue;
    }
    const session = (fm.data.session ?? {}) as Record<string, unknown>;
    const orch = (fm.data.orchestration ?? {}) as Record<string, unknown>;
    const name = /^(\d{8})-(\d{6})-(.+)\.md$/.exec(basename(file));
    const fromName = name ? `${name[1]!.slice(0, 4)}-${name[1]!.slice(4, 6)}-${name[1]!.slice(6)}T${name[2]!.slice(0, 2)}:${name[2]!.slice(2, 4)}:${name[2]!.slice(4)}Z` : undefined;
    if (!name) plan.defects.push({ origin, defect: 'the file name has no YYYYMMDD-HHMMSS timestamp', handled: 'its start is taken from session.created' });
    const created = isoOf(session.created) ?? isoOf(fromName);
    if (!created) {
      plan.skipped.push({ origin, what: 'session file', why: 'no session.created and no timestamp in its name' });
      continue;
    }
    const statusText = str(session.status)?.toLowerCase();
    const st = statusText ? STATUS[statusText] : undefined;
    if (!st) {
      plan.skipped.push({ origin: { path: file, line: lineOf(content, 'status:') }, what: 'session file', why: `unknown status "${statusText ?? ''}" (a session is in_progress, paused or completed)` });
      continue;
    }
    const body = sections(fm.body);
    const title = line(session.title) ?? line(/^# +(?:Session: *)?(.+)$/m.exec(fm.body)?.[1]) ?? (name ? name[3]!.replace(/-/g, ' ') : basename(file, '.md'));
    const updated = isoOf(session.last_updated) ?? created;
    // The Session Log's `YYYY-MM-DD HH:MM` has no zone; the format asks for UTC everywhere else.
    const logTimes = [...fm.body.matchAll(/^### +(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})\b/gm)].map((m) => isoOf(`${m[1]}T${m[2]}:00Z`)).filter((t): t is string => Boolean(t));
    const lastLog = logTimes.sort().at(-1);
    const spawned = Array.isArray(orch.spawned_agents) ? (orch.spawned_agents as Record<string, unknown>[]) : [];
    const linear = str(session.linear_issue);
    const summary = [
      title,
      line(orch.current_task, 300) ? `Current task: ${line(orch.current_task, 300)}` : undefined,
      linear ? `Linear: ${linear}${str(session.linear_url) ? ` (${str(session.linear_url)})` : ''}` : undefined,
      ...spawned.map((a) => `Spawned ${line(a.agent) ?? 'agent'} (${line(a.status) ?? '?'}): ${line(a.task, 200) ?? ''}${line(a.summary, 300) ? ` -> ${line(a.summary, 300)}` : ''}`),
      filled(body.get('blockers')) ? `Blockers: ${filled(body.get('blockers'))}` : undefined,
    ]
      .filter(Boolean)
      .join('\n');
    const handoff = [filled(body.get('current state')) && `Current state:\n${filled(body.get('current state'))}`, filled(body.get('next steps')) && `Next steps:\n${filled(body.get('next steps'))}`]
      .filter(Boolean)
      .join('\n\n');
    const m: PlannedMission = {
      key: basename(file),
      origin,
      agent: 'claude-code',
      startedAt: created,
      lastSeenAt: created,
      handoff: text(handoff),
      summary,
      events: [],
      holds: [],
    };
    if (statusText === 'in_progress') {
      const fileTime = ctx.history.of(file);
      const sign = latest(updated, lastLog, fileTime?.at)!;
      const via = sign === updated ? 'session.last_updated' : sign === lastLog ? 'its last Session Log entry (read as UTC)' : `the file (${fileTime!.via})`;
      m.endedAt = sign;
      m.endReason = 'abandoned';
      plan.defects.push({ origin, defect: 'status in_progress with nobody working on it (sessions are never closed by a process)', handled: `closed as abandoned at its last sign of life, ${sign} (${via})` });
    } else {
      m.endedAt = latest(created, updated)!;
      m.endReason = st.end;
    }
    m.lastSeenAt = m.endedAt;

    // Tasks: the issues of its Execution Progress, and its own Linear issue.
    const group = `session:${slug(name ? name[3]! : basename(file, '.md')) || 'session'}`;
    const found = issues(fm.body, content);
    if (linear && /^[A-Z][A-Z0-9]*-\d+$/.test(linear) && !found.some((f) => f.id === linear)) {
      found.push({ id: linear, done: st.task === 'COMPLETE', title, wave: undefined, blockedBy: undefined, line: lineOf(content, 'linear_issue:') ?? 1 });
    }
    const waveItems = new Map<string, string[]>();
    for (const f of found) if (f.wave) waveItems.set(f.wave, [...(waveItems.get(f.wave) ?? []), f.id]);
    for (const f of found) {
      const status: Status = f.done ? 'COMPLETE' : f.id === linear ? st.task : 'TODO';
      const t: PlannedTask = {
        key: f.id,
        id: f.id,
        title: f.title || f.id,
        status,
        priority: 'medium',
        labels: [group],
        dependsOn: f.blockedBy ? (waveItems.get(f.blockedBy) ?? []).filter((d) => d !== f.id) : [],
        created,
        closed: f.done ? updated : undefined,
        body: `From the session "${title}" (${basename(file)})${f.wave ? `, ${f.wave}` : ''}.`,
        origin: { path: file, line: f.line },
      };
      const prev = tasks.get(f.id);
      if (prev) {
        plan.defects.push({ origin: t.origin, defect: `${f.id} is also in ${basename(prev.file)}`, handled: `the more recently updated session (${updated >= prev.updated ? basename(file) : basename(prev.file)}) says where it stands` });
        if (updated < prev.updated) continue;
        t.labels = [...new Set([...prev.task.labels, ...t.labels])];
      }
      tasks.set(f.id, { task: t, updated, file });
      if (f.id === linear && status === 'UNDERWAY' && m.handoff) m.events.push({ kind: 'task.handoff', at: m.endedAt!, task: f.id, note: m.handoff, reason: m.endReason });
    }
    plan.missions.push(m);
  }
  plan.tasks.push(...[...tasks.values()].map((t) => t.task));
  return plan;
}

interface Issue {
  id: string;
  done: boolean;
  title: string;
  wave: string | undefined;
  /** The wave this one's wave waits for (`### Wave 2: ... (blocked by Wave 1)`). */
  blockedBy: string | undefined;
  line: number;
}

/** `- [ ] BACK-123 - description` lines under `## Execution Progress`, with their wave. */
function issues(body: string, content: string): Issue[] {
  const out: Issue[] = [];
  const offset = content.length - body.length;
  const lines = body.split('\n');
  let inProgress = false;
  let wave: string | undefined;
  let blockedBy: string | undefined;
  let pos = 0;
  for (const l of lines) {
    const at = offset + pos;
    pos += l.length + 1;
    if (/^## /.test(l)) {
      inProgress = /^## +execution progress\b/i.test(l);
      wave = undefined;
      continue;
    }
    if (!inProgress) continue;
    const w = /^### +(Wave \d+)\b[^(]*(?:\((.*)\))?/i.exec(l);
    if (w) {
      wave = w[1]!.replace(/^wave/i, 'Wave');
      const b = /blocked by (wave \d+)/i.exec(w[2] ?? '');
      blockedBy = b ? b[1]!.replace(/^wave/i, 'Wave') : undefined;
      continue;
    }
    const m = ISSUE.exec(l);
    if (!m) continue;
    const title = (m[3] ?? '').replace(/\s*\((?:completed|done)\)\s*$/i, '').trim();
    out.push({ id: m[2]!, done: m[1] !== ' ' || /\((?:completed|done)\)\s*$/i.test(m[3] ?? ''), title, wave, blockedBy, line: content.slice(0, at).split('\n').length });
  }
  return out;
}

function lineOf(content: string, needle: string): number | undefined {
  const i = content.indexOf(needle);
  return i < 0 ? undefined : content.slice(0, i).split('\n').length;
}
