import type { SortieConfig } from '../config/types.js';
import type { Checkpoint } from '../missions/checkpoint.js';
import type { MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { claimsOf, countWaiting, readyTasks, waitingTasks } from '../tasks/tasks.js';
import { clean, oneLine } from '../text.js';

/** Claude Code replaces hook output over 10,000 characters with a preview: stay well below. */
const HARD_CAP = 9500;

export interface ContextInput {
  db: Database;
  config: SortieConfig;
  mission: MissionRow;
  source: string;
  /** Missions reaped on the way in, to say so. */
  reaped?: { codename: string; agent: string; released: string[] }[];
  inherited?: { from: string; tasks: string[] } | undefined;
  /** How the agent's shell runs sortie (`sortie`, or the shim's path); default `sortie`. */
  sortie?: string | undefined;
}

/**
 * The markdown injected at conversation start. Deterministic for the same database state (no
 * "5 minutes ago"), most important first; every section has its own cap so one long handoff
 * cannot push out the tasks. Text from task files and agents is untrusted: control characters
 * are stripped and every item is cut.
 */
export function buildContext(i: ContextInput): string {
  const budget = Math.min(Math.max(500, i.config.context.budget), HARD_CAP);
  const { db, mission: m } = i;
  const sections: { text: string; cap: number }[] = [];
  const held = claimsOf(db, m.id);
  const heldIds = held.map((h) => h.task_id);
  const title = db.prepare('SELECT title, status FROM tasks WHERE id = ?');
  const describe = (id: string) => {
    const t = title.get(id) as { title: string; status: string } | undefined;
    return t ? `${id} ${oneLine(t.title, 100)} (${t.status})` : id;
  };

  // 1. who you are
  sections.push({
    cap: 600,
    text: [
      `# sortie: you are mission #${m.id} "${m.codename}" (${m.agent})`,
      `Session ${i.source}${m.branch ? ` on branch ${oneLine(m.branch, 80)}` : ''}. Sortie records this conversation, its task claims and its commits. Commits that reference a task you have not claimed are blocked.`,
    ].join('\n'),
  });

  // 2. tasks you hold, and the checkpoint
  const lines2: string[] = [];
  if (i.inherited?.tasks.length) lines2.push(`Inherited from ${i.inherited.from} (before /clear): ${i.inherited.tasks.join(', ')}.`);
  if (held.length) lines2.push(...held.map((h) => `- ${describe(h.task_id)}, yours since ${h.claimed_at.slice(0, 16)}Z`));
  if (m.checkpoint && (i.source === 'compact' || i.source === 'resume' || i.source === 'clear')) {
    try {
      lines2.push(...checkpointLines(JSON.parse(m.checkpoint) as Checkpoint));
    } catch {
      // a damaged checkpoint is skipped, not fatal
    }
  }
  if (lines2.length) sections.push({ cap: 1400, text: `## Tasks you hold\n${lines2.join('\n')}` });

  // 3. handoff notes: the previous mission on this branch, and the last notes on tasks in play
  const waiting = waitingTasks(db, 8);
  const waitingCount = waiting.length < 8 ? waiting.length : countWaiting(db);
  const handoffLines: string[] = [];
  const prev = db
    .prepare(
      `SELECT codename, agent, ended_at, end_reason, handoff, summary FROM missions
       WHERE id != ? AND ended_at IS NOT NULL AND (handoff IS NOT NULL OR summary IS NOT NULL) AND (branch IS ? OR ? IS NULL)
       ORDER BY ended_at DESC LIMIT 1`,
    )
    .get(m.id, m.branch, m.branch) as { codename: string; agent: string; ended_at: string; end_reason: string; handoff: string | null; summary: string | null } | undefined;
  if (prev) {
    handoffLines.push(`From ${prev.codename} (${prev.agent}, ended ${prev.ended_at.slice(0, 16)}Z, ${prev.end_reason}):`);
    handoffLines.push(indent(clean(prev.handoff ?? prev.summary ?? '', 1200)));
  }
  const noteFor = db.prepare(
    `SELECT a.detail, a.at, m.codename FROM activity a LEFT JOIN missions m ON m.id = a.mission_id
     WHERE a.task_id = ? AND a.kind = 'task.handoff' ORDER BY a.at DESC LIMIT 1`,
  );
  for (const id of [...heldIds, ...waiting.map((t) => t.id)].slice(0, 8)) {
    const n = noteFor.get(id) as { detail: string | null; at: string; codename: string | null } | undefined;
    const note = n?.detail ? (JSON.parse(n.detail) as { note?: string }).note : undefined;
    if (note) handoffLines.push(`- ${id} (from ${n!.codename ?? 'someone'}, ${n!.at.slice(0, 16)}Z): ${oneLine(note, 400)}`);
  }
  if (handoffLines.length) sections.push({ cap: 1800, text: `## Handoff notes\n${handoffLines.join('\n')}` });

  // 4. waiting for pickup, then ready tasks
  const lines4: string[] = [];
  if (waiting.length) {
    lines4.push('Waiting for pickup (UNDERWAY, nobody holds them; a previous mission ended mid-way):');
    lines4.push(...waiting.slice(0, 8).map((t) => `- ${t.id} ${oneLine(t.title, 100)} [${t.priority}]`));
    if (waitingCount > 8) lines4.push(`- ... and ${waitingCount - 8} more (sortie status)`);
  }
  const ready = readyTasks(db, 8);
  if (ready.length) {
    lines4.push('Ready (TODO, dependencies done, by priority):');
    lines4.push(...ready.map((t) => `- ${t.id} ${oneLine(t.title, 100)} [${t.priority}]`));
  }
  if (lines4.length) sections.push({ cap: 1800, text: `## Tasks to pick from\n${lines4.join('\n')}` });

  // 5. other live missions
  const others = db.prepare('SELECT * FROM missions WHERE ended_at IS NULL AND id != ? ORDER BY id').all(m.id) as MissionRow[];
  if (others.length || i.reaped?.length) {
    const lines5 = others.slice(0, 10).map((o) => {
      const h = claimsOf(db, o.id).map((c) => c.task_id);
      return `- ${o.codename} (${o.kind === 'person' ? oneLine(o.person ?? 'a person', 60) : o.agent}${o.branch ? `, ${oneLine(o.branch, 60)}` : ''}): ${h.length ? `holds ${h.join(', ')}` : 'holds nothing'}`;
    });
    if (others.length > 10) lines5.push(`- ... and ${others.length - 10} more (sortie status)`);
    for (const r of i.reaped ?? []) lines5.push(`- ${r.codename} (${r.agent}) was found dead and closed${r.released.length ? `; its tasks ${r.released.join(', ')} are waiting for pickup` : ''}`);
    sections.push({ cap: 1000, text: `## Other missions\nDo not work on tasks another mission holds.\n${lines5.join('\n')}` });
  }

  // 6. what changed since this agent's last mission
  const last = db
    .prepare("SELECT started_at FROM missions WHERE agent = ? AND id < ? AND kind = 'agent' ORDER BY id DESC LIMIT 1")
    .get(m.agent, m.id) as { started_at: string } | undefined;
  if (last) {
    const rows = db
      .prepare(
        `SELECT a.kind, a.task_id, a.at, a.detail, mm.codename FROM activity a LEFT JOIN missions mm ON mm.id = a.mission_id
         WHERE a.at >= ? AND a.kind IN ('commit.recorded', 'task.status', 'task.claimed', 'task.created', 'mission.reaped', 'task.handoff')
         ORDER BY a.at DESC, a.id DESC LIMIT 12`,
      )
      .all(last.started_at) as { kind: string; task_id: string | null; at: string; detail: string | null; codename: string | null }[];
    if (rows.length) {
      const lines6 = rows.map((r) => `- ${r.at.slice(0, 16)}Z ${r.codename ?? ''} ${describeActivity(r.kind, r.task_id, r.detail)}`);
      sections.push({ cap: 1200, text: `## Changed since your agent's last mission (${last.started_at.slice(0, 16)}Z)\n${lines6.join('\n')}` });
    }
  }

  // 7. the commands, as the agent's shell runs them
  const cmd = i.sortie ?? 'sortie';
  sections.push({
    cap: 600 + 7 * Math.max(0, cmd.length - 6),
    text: [
      '## Commands',
      ...(cmd === 'sortie' ? [] : [`Run sortie as \`${cmd}\` in your shell.`]),
      `- claim before working on a task: \`${cmd} task claim <ID>\``,
      `- give it back with notes: \`${cmd} task handoff <ID> --note "what is done, what is left"\` (or \`${cmd} task release <ID>\`)`,
      `- finished: \`${cmd} task done <ID>\`; notes for whoever continues: \`${cmd} mission note "..."\``,
    ].join('\n'),
  });

  // Fit: each section within its cap, then the whole within the budget, cutting from the bottom
  // but always keeping the commands.
  const capped = sections.map((s) => cut(s.text, s.cap));
  const commands = capped.pop()!;
  let out = '';
  for (const s of capped) {
    const next = out ? `${out}\n\n${s}` : s;
    if (next.length + commands.length + 2 > budget) {
      const room = budget - commands.length - out.length - 4;
      if (room > 200) out = `${out}\n\n${cut(s, room)}`;
      break;
    }
    out = next;
  }
  return `${out}\n\n${commands}`.slice(0, budget);
}

/** A checkpoint in a few lines: when, the commits, the uncommitted files. */
export function checkpointLines(cp: Checkpoint): string[] {
  const lines = [`Checkpoint before compaction (${cp.at.slice(0, 16)}Z):`];
  if (cp.commits.length) lines.push(`- your commits: ${cp.commits.slice(0, 8).map((c) => `${c.sha.slice(0, 8)} ${oneLine(c.subject, 70)}`).join('; ')}`);
  if (cp.changedFiles.length) lines.push(`- uncommitted changes: ${cp.changedFiles.slice(0, 20).map((f) => oneLine(f, 100)).join(', ')}`);
  return lines;
}

function describeActivity(kind: string, task: string | null, detail: string | null): string {
  const d = detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  switch (kind) {
    case 'commit.recorded':
      return `committed ${String(d.sha ?? '').slice(0, 8)} ${oneLine(String(d.subject ?? ''), 70)}`;
    case 'task.status':
      return `${task} ${String(d.from)} -> ${String(d.to)}`;
    case 'task.claimed':
      return `claimed ${task}`;
    case 'task.created':
      return `created ${task}`;
    case 'task.handoff':
      return `handed off ${task}`;
    case 'mission.reaped':
      return 'was reaped (agent gone)';
    default:
      return kind;
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const at = s.lastIndexOf('\n', max - 20);
  return `${s.slice(0, at > max / 2 ? at : max - 20)}\n[... cut to fit]`;
}
