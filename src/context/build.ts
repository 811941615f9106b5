import type { SortieConfig } from '../config/types.js';
import type { Checkpoint } from '../missions/checkpoint.js';
import { previousHandoff, type MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { branchHere, describeOrigin, originFor } from '../tasks/effective.js';
import { claimsOf, countWaiting, readyTasks, taskRow, waitingTasks } from '../tasks/tasks.js';
import { forContext as one, forContextBlock } from '../text.js';

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
  /**
   * Set when the mission could not be written in time (the database stayed locked): `mission` is
   * then a stand-in, the start is queued, and the first section says so.
   */
  pending?: { reason: string; queued: boolean } | undefined;
  /** How the agent's shell runs sortie (`sortie`, or the shim's path); default `sortie`. */
  sortie?: string | undefined;
  /** The task folder of the checkout the agent starts in: states from other checkouts say where they come from. */
  here?: string | undefined;
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
  const hereBranch = i.here ? branchHere(db, i.here) : undefined;
  // " (on feat, not merged into main)": a state that is not this checkout's own file's.
  const where = (id: string) => {
    const row = i.here ? taskRow(db, id) : undefined;
    const o = row ? originFor(db, row, i.here) : undefined;
    return o ? `, ${one(describeOrigin(o, hereBranch), 100)}` : '';
  };
  const describe = (id: string) => {
    const t = taskRow(db, id);
    return t ? `${one(id, 80)} ${one(t.title, 100)} (${one(t.status, 20)}${where(id)})` : one(id, 80);
  };

  // 0. a claim revoked because another clone won it (issue 12): first thing, it changes what to do.
  const revoked = db
    .prepare("SELECT task_id, detail FROM activity WHERE mission_id = ? AND kind = 'task.claim-revoked' AND task_id NOT IN (SELECT task_id FROM claims WHERE mission_id = ? AND released_at IS NULL) ORDER BY id DESC LIMIT 5")
    .all(m.id, m.id) as { task_id: string; detail: string | null }[];
  if (revoked.length && !i.pending) {
    const lines = revoked.map((r) => {
      let d: { holder?: string; host?: string } = {};
      try {
        d = JSON.parse(r.detail ?? '{}') as typeof d;
      } catch {
        // a damaged detail: the task is named all the same
      }
      return `- ${one(r.task_id, 80)}: another clone won it (${one(d.holder ?? 'another mission', 60)} on ${one(d.host ?? 'another machine', 80)}). Stop working on it; your commits on it are blocked. Pick another task.`;
    });
    sections.push({ cap: 800, text: ['# sortie: claim revoked', ...lines].join('\n') });
  }

  // 1. who you are
  sections.push({
    cap: 600,
    text: i.pending
      ? i.pending.queued
        ? [
            `# sortie: this ${one(m.agent, 40)} session will be recorded as a mission as soon as the database can be written`,
            `It cannot be now${i.pending.reason ? ` (${one(i.pending.reason, 300)})` : ''}; the start is queued and nothing is lost. Until then sortie commands may wait for the database. Commits that reference a task you have not claimed are blocked.`,
          ].join('\n')
        : [
            `# sortie: this ${one(m.agent, 40)} session is not recorded`,
            `The database cannot be written${i.pending.reason ? ` (${one(i.pending.reason, 300)})` : ''}, and the start could not be queued either. Tell the person you work with; \`sortie doctor\` shows what is wrong. Commits that reference a task you have not claimed are blocked.`,
          ].join('\n')
      : [
          `# sortie: you are mission #${m.id} "${one(m.codename, 60)}" (${one(m.agent, 40)})`,
          `Session ${i.source}${m.branch ? ` on branch ${one(m.branch, 80)}` : ''}. Sortie records this conversation, its task claims and its commits. Commits that reference a task you have not claimed are blocked.`,
        ].join('\n'),
  });

  // 2. tasks you hold, and the checkpoint
  const lines2: string[] = [];
  if (i.inherited?.tasks.length) lines2.push(`Inherited from ${one(i.inherited.from, 60)} (before /clear): ${i.inherited.tasks.map((id) => one(id, 80)).join(', ')}.`);
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
  const prev = previousHandoff(db, m);
  if (prev) {
    const from = prev.source ? `, imported from ${prev.source.split(':')[0]}` : '';
    handoffLines.push(`From ${one(prev.codename, 60)} (${one(prev.agent, 40)}, ended ${one(prev.ended_at.slice(0, 16), 20)}Z, ${one(prev.end_reason, 60)}${one(from, 80)}):`);
    handoffLines.push(indent(forContextBlock(prev.handoff ?? prev.summary ?? '', 1200)));
  }
  const noteFor = db.prepare(
    `SELECT a.detail, a.at, m.codename FROM activity a LEFT JOIN missions m ON m.id = a.mission_id
     WHERE a.task_id = ? AND a.kind = 'task.handoff' ORDER BY a.at DESC LIMIT 1`,
  );
  for (const id of [...heldIds, ...waiting.map((t) => t.id)].slice(0, 8)) {
    const n = noteFor.get(id) as { detail: string | null; at: string; codename: string | null } | undefined;
    const note = n?.detail ? (JSON.parse(n.detail) as { note?: string }).note : undefined;
    if (note) handoffLines.push(`- ${one(id, 80)} (from ${one(n!.codename ?? 'someone', 60)}, ${one(n!.at.slice(0, 16), 20)}Z): ${one(note, 400)}`);
  }
  if (handoffLines.length) sections.push({ cap: 1800, text: `## Handoff notes\n${handoffLines.join('\n')}` });

  // 4. waiting for pickup, then ready tasks
  const lines4: string[] = [];
  if (waiting.length) {
    lines4.push('Waiting for pickup (UNDERWAY, nobody holds them; a previous mission ended mid-way):');
    lines4.push(...waiting.slice(0, 8).map((t) => `- ${one(t.id, 80)} ${one(t.title, 100)} [${t.priority}${where(t.id)}]`));
    if (waitingCount > 8) lines4.push(`- ... and ${waitingCount - 8} more (sortie status)`);
  }
  const ready = readyTasks(db, 8);
  if (ready.length) {
    lines4.push('Ready (TODO, dependencies done, by priority):');
    lines4.push(...ready.map((t) => `- ${one(t.id, 80)} ${one(t.title, 100)} [${t.priority}${where(t.id)}]`));
  }
  if (lines4.length) sections.push({ cap: 1800, text: `## Tasks to pick from\n${lines4.join('\n')}` });

  // 5. other live missions
  const others = db.prepare('SELECT * FROM missions WHERE ended_at IS NULL AND id != ? ORDER BY id').all(m.id) as MissionRow[];
  if (others.length || i.reaped?.length) {
    const lines5 = others.slice(0, 10).map((o) => {
      const h = claimsOf(db, o.id).map((c) => c.task_id);
      return `- ${one(o.codename, 60)} (${o.kind === 'person' ? one(o.person ?? 'a person', 60) : one(o.agent, 40)}${o.branch ? `, ${one(o.branch, 60)}` : ''}): ${h.length ? `holds ${h.map((id) => one(id, 80)).join(', ')}` : 'holds nothing'}`;
    });
    if (others.length > 10) lines5.push(`- ... and ${others.length - 10} more (sortie status)`);
    for (const r of i.reaped ?? []) lines5.push(`- ${one(r.codename, 60)} (${one(r.agent, 40)}) was found dead and closed${r.released.length ? `; its tasks ${r.released.map((id) => one(id, 80)).join(', ')} are waiting for pickup` : ''}`);
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
      const lines6 = rows.map((r) => `- ${one(r.at.slice(0, 16), 20)}Z ${one(r.codename ?? '', 60)} ${describeActivity(r.kind, r.task_id === null ? null : one(r.task_id, 80), r.detail)}`);
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
  if (cp.commits.length) lines.push(`- your commits: ${cp.commits.slice(0, 8).map((c) => `${c.sha.slice(0, 8)} ${one(c.subject, 70)}`).join('; ')}`);
  if (cp.changedFiles.length) lines.push(`- uncommitted changes: ${cp.changedFiles.slice(0, 20).map((f) => one(f, 100)).join(', ')}`);
  return lines;
}

function describeActivity(kind: string, task: string | null, detail: string | null): string {
  const d = detail ? (JSON.parse(detail) as Record<string, unknown>) : {};
  switch (kind) {
    case 'commit.recorded':
      return `committed ${one(String(d.sha ?? '').slice(0, 8), 8)} ${one(d.subject ?? '', 70)}`;
    case 'task.status':
      return `${task} ${one(d.from, 20)} -> ${one(d.to, 20)}`;
    case 'task.claimed':
      return `claimed ${task}`;
    case 'task.created':
      return `created ${task}`;
    case 'task.handoff':
      return `handed off ${task}`;
    case 'mission.reaped':
      return 'was reaped (agent gone)';
    default:
      return one(kind, 40);
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
