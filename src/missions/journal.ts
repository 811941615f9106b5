import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../store/open.js';
import { DIR_MODE, FILE_MODE, writeFileAtomic, writeNewFile } from '../files.js';
import type { MissionRow } from './missions.js';
import { forContextBlock, forTerminal, forYaml } from '../text.js';

const HANDOFF_HEADING = '## Handoff';
const PLACEHOLDER = '<!-- Write notes here for whoever continues this work; sortie reads them when the mission ends. -->';

function journalPath(dir: string, m: MissionRow): string {
  return join(dir, `${m.started_at.slice(0, 10)}-${m.codename}.md`);
}

/** The agent's own notes under `## Handoff`, if it wrote any. */
export function readJournalHandoff(path: string | null): string | undefined {
  if (!path || !existsSync(path)) return undefined;
  const text = readFileSync(path, 'utf8');
  const i = text.indexOf(`\n${HANDOFF_HEADING}\n`);
  if (i < 0) return undefined;
  const rest = text.slice(i + HANDOFF_HEADING.length + 2);
  const next = rest.search(/^## /m);
  const body = (next >= 0 ? rest.slice(0, next) : rest).replace(PLACEHOLDER, '').trim();
  return body || undefined;
}

/**
 * A readable view of a mission, rewritten at start, checkpoint and end. The `## Handoff` section
 * belongs to the agent: whatever it wrote there is carried over on every rewrite.
 */
export function writeJournal(db: Database, dir: string, m: MissionRow, opts: { inPlace?: boolean } = {}): string {
  const path = m.journal_path ?? journalPath(dir, m);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const own = readJournalHandoff(path);
  const handoff = own ?? (m.handoff ? forContextBlock(m.handoff, 20_000) : '');
  const claims = db.prepare('SELECT task_id, claimed_at, released_at, release_reason FROM claims WHERE mission_id = ? ORDER BY claimed_at').all(m.id) as {
    task_id: string;
    claimed_at: string;
    released_at: string | null;
    release_reason: string | null;
  }[];
  const commits = db.prepare('SELECT sha, subject, tasks FROM commits WHERE mission_id = ? ORDER BY at').all(m.id) as { sha: string; subject: string; tasks: string }[];
  // Front matter: every string value through forYaml (the end reason, the branch and the session id
  // come from hook payloads and git). Body: markdown for people, one line per value.
  const fm = [
    '---',
    `mission: ${m.id}`,
    `codename: ${forYaml(m.codename)}`,
    `agent: ${forYaml(m.agent)}`,
    ...(m.session_id ? [`session: ${forYaml(m.session_id)}`] : []),
    ...(m.branch ? [`branch: ${forYaml(m.branch)}`] : []),
    `started: ${forYaml(m.started_at)}`,
    ...(m.ended_at ? [`ended: ${forYaml(m.ended_at)}`, `end_reason: ${forYaml(m.end_reason ?? '')}`] : []),
    `tasks: [${[...new Set(claims.map((c) => c.task_id))].map(forYaml).join(', ')}]`,
    '---',
  ];
  const one = (s: unknown, max = 200) => forTerminal(s, max);
  const body = [
    '',
    `# ${one(m.codename, 60)} (${one(m.agent, 40)})`,
    '',
    '## Claims',
    '',
    ...(claims.length
      ? claims.map((c) => `- ${one(c.task_id, 80)}: claimed ${one(c.claimed_at, 40)}${c.released_at ? `, released ${one(c.released_at, 40)} (${one(c.release_reason, 40)})` : ', held'}`)
      : ['- none']),
    '',
    '## Commits',
    '',
    ...(commits.length ? commits.map((c) => `- ${one(c.sha.slice(0, 10), 10)} ${one(c.subject, 200)}`) : ['- none']),
    '',
    HANDOFF_HEADING,
    '',
    // The agent's own section is carried over as it wrote it; notes from elsewhere (`mission note`,
    // a summary) cannot add a heading that would end the section.
    handoff || PLACEHOLDER,
    '',
  ];
  // A journal is a view of the database: no fsync, it can always be rewritten. In place (when the
  // caller has already saved the agent's notes to the database) it costs an overwrite instead of
  // creating a file, which is most of a SessionEnd's time on some file systems.
  const text = [...fm, ...body].join('\n');
  const exists = existsSync(path);
  if (opts.inPlace && exists) writeFileSync(path, text, { mode: FILE_MODE });
  else if (!exists) writeNewFile(path, text);
  else writeFileAtomic(path, text, { fsync: false });
  if (m.journal_path !== path) db.prepare('UPDATE missions SET journal_path = ? WHERE id = ?').run(path, m.id);
  return path;
}
