/**
 * Builds a site-nine project inside a test repository from the format its task OPR-H-0032 and its
 * schema describe: `.opencode/data/project.db` (tasks, task_dependencies, epics, personas,
 * missions, handoffs), mission files under `.opencode/work/missions/` and task files under
 * `.opencode/work/tasks/`, with the defects site-nine is known for:
 * - mission 1: UTC start in the database, local end time with no date; its front matter start is
 *   local (5 h behind);
 * - mission 2: the same, ending after local midnight; the zone comes from its file's commit;
 * - mission 3: left open for ever, and its mission file has no front matter;
 * - mission 4: its file disagrees with the database and is newer;
 * - a mission file the database does not know, and one with broken YAML;
 * - task ENG-M-0041: its markdown copy is newer and says BLOCKED where the database says TODO;
 * - task DOC-L-0042: an unknown status; task OPR-M-0050: only in markdown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TempRepo } from '../repo.js';
import { commitAt, sqlite } from './common.js';

export const SITE_NINE_SCHEMA = `
CREATE TABLE personas (name TEXT PRIMARY KEY, role TEXT NOT NULL, mythology TEXT NOT NULL, description TEXT NOT NULL,
  mission_count INTEGER NOT NULL DEFAULT 0, last_mission_at TEXT, created_at TEXT NOT NULL DEFAULT (datetime('now')));
CREATE TABLE missions (id INTEGER PRIMARY KEY AUTOINCREMENT, persona_name TEXT NOT NULL, role TEXT NOT NULL, codename TEXT,
  mission_file TEXT NOT NULL, start_date TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT, objective TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE epics (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'TODO', priority TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, file_path TEXT NOT NULL);
CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL, role TEXT NOT NULL,
  category TEXT, current_mission_id INTEGER, claimed_at TEXT, closed_at TEXT, paused_at TEXT, actual_hours REAL,
  description TEXT, notes TEXT, epic_id TEXT, blocks_on_review_id INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  file_path TEXT NOT NULL);
CREATE TABLE task_dependencies (task_id TEXT NOT NULL, depends_on_task_id TEXT NOT NULL, PRIMARY KEY (task_id, depends_on_task_id));
CREATE TABLE handoffs (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, from_mission_id INTEGER NOT NULL,
  to_role TEXT NOT NULL, summary TEXT NOT NULL, files TEXT, acceptance_criteria TEXT, notes TEXT,
  created_at TEXT NOT NULL, deleted_at TEXT);
`;

export const PRE_ADR006_SCHEMA = `
CREATE TABLE daemon_names (name TEXT PRIMARY KEY, role TEXT NOT NULL, usage_count INTEGER NOT NULL DEFAULT 0, last_used_at TEXT);
CREATE TABLE agents (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, base_name TEXT NOT NULL, suffix TEXT, role TEXT NOT NULL,
  session_file TEXT NOT NULL, session_date TEXT NOT NULL, start_time TEXT NOT NULL, end_time TEXT, status TEXT NOT NULL,
  task_summary TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL, role TEXT NOT NULL,
  category TEXT, agent_id INTEGER, agent_name TEXT, claimed_at TEXT, closed_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  file_path TEXT NOT NULL);
`;

export function taskMarkdown(t: { id: string; title: string; status: string; priority: string; role: string; category?: string; claimed?: string; closed?: string; body?: string }): string {
  return [
    `# Task ${t.id}: ${t.title}`,
    '',
    `**Status:** ${t.status}`,
    `**Priority:** ${t.priority}`,
    `**Role:** ${t.role}`,
    `**Category:** ${t.category ?? ''}`,
    '**Mission:** ',
    `**Claimed:** ${t.claimed ?? ''}`,
    '**Actual Time:** ',
    `**Closed:** ${t.closed ?? ''}`,
    '**Paused:** ',
    '## Objective',
    '',
    t.body ?? `Do ${t.title.toLowerCase()}.`,
    '',
  ].join('\n');
}

function missionMarkdown(fm: Record<string, string> | undefined, sections: Record<string, string>): string {
  const head = fm ? ['---', ...Object.entries(fm).map(([k, v]) => `${k}: ${v}`), '---', ''] : [];
  return [...head, `# Mission`, '', ...Object.entries(sections).flatMap(([h, b]) => [`## ${h}`, '', b, ''])].join('\n');
}

export interface SiteNineFixture {
  db: string;
  missionsDir: string;
  tasksDir: string;
}

export function buildSiteNine(repo: TempRepo): SiteNineFixture {
  const dataDir = join(repo.dir, '.opencode', 'data');
  const missionsDir = join(repo.dir, '.opencode', 'work', 'missions');
  const tasksDir = join(repo.dir, '.opencode', 'work', 'tasks');
  for (const d of [dataDir, missionsDir, tasksDir]) mkdirSync(d, { recursive: true });
  const dbFile = join(dataDir, 'project.db');
  const db = sqlite(dbFile, SITE_NINE_SCHEMA);
  try {
    const persona = db.prepare('INSERT INTO personas (name, role, mythology, description) VALUES (?, ?, ?, ?)');
    persona.run('hemera', 'Operator', 'Greek', 'Goddess of daylight');
    persona.run('nyx', 'Architect', 'Greek', 'Goddess of night');
    persona.run('thoth', 'Documentarian', 'Egyptian', 'God of writing');
    persona.run('atlas', 'Engineer', 'Greek', 'Titan who holds up the sky');
    db.prepare("INSERT INTO epics VALUES ('EPC-H-0001', 'Entity model clarity', 'UNDERWAY', 'HIGH', '2026-02-01 09:00:00', '2026-02-03 10:00:00', '.opencode/work/epics/EPC-H-0001.md')").run();

    const mission = db.prepare('INSERT INTO missions (id, persona_name, role, codename, mission_file, start_date, start_time, end_time, objective, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const f1 = '.opencode/work/missions/2026-02-03.09:02:11.operator.hemera.swift-thunder.unify-entities.md';
    const f2 = '.opencode/work/missions/2026-02-03.23:30:00.architect.nyx.void-matrix.late-review.md';
    const f3 = '.opencode/work/missions/2026-02-02.08:00:00.documentarian.thoth-ii.crimson-falcon.docs.md';
    const f4 = '.opencode/work/missions/2026-02-05.08:00:00.engineer.atlas.bold-shadow.refactor.md';
    // 1: UTC start 14:02:11, local end 16:30:00 (UTC-05:00): ends 21:30:00Z.
    mission.run(1, 'hemera', 'Operator', 'swift-thunder', f1, '2026-02-03', '14:02:11', '16:30:00', 'Unify agent and session concepts', '2026-02-03 14:02:11', '2026-02-03 21:30:05');
    // 2: UTC start 2026-02-04 04:30Z (23:30 local on the 3rd), local end 00:45: after midnight.
    mission.run(2, 'nyx', 'Architect', 'void-matrix', f2, '2026-02-04', '04:30:00', '00:45:00', 'Late review of ADR-006', '2026-02-04 04:30:00', '2026-02-04 05:45:10');
    // 3: left open for ever; its file has no front matter.
    mission.run(3, 'thoth', 'Documentarian', 'crimson-falcon', f3, '2026-02-02', '13:00:00', null, 'Document the mission model', '2026-02-02 13:00:00', '2026-02-02 15:10:00');
    // 4: the database says it ended 11:00 local; its newer file says 12:00.
    mission.run(4, 'atlas', 'Engineer', 'bold-shadow', f4, '2026-02-05', '13:00:00', '11:00:00', 'Refactor the CLI', '2026-02-05 13:00:00', '2026-02-05 16:00:00');

    const task = db.prepare(
      'INSERT INTO tasks (id, title, status, priority, role, category, current_mission_id, claimed_at, closed_at, description, notes, epic_id, created_at, updated_at, file_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    task.run('OPR-H-0032', 'Unify agent and session concepts into single session entity', 'COMPLETE', 'HIGH', 'Operator', 'refactor', null, '2026-02-04 00:55:44', '2026-02-04 05:28:09', 'See ADR-006.', null, 'EPC-H-0001', '2026-02-01 10:00:00', '2026-02-04 05:28:09', '.opencode/work/tasks/OPR-H-0032.md');
    task.run('OPR-H-0040', 'Close abandoned missions gracefully', 'UNDERWAY', 'HIGH', 'Documentarian', 'maintenance', 3, '2026-02-02 13:05:00', null, 'Close the 11 in-progress missions.', 'Half done.', null, '2026-02-02 09:00:00', '2026-02-02 13:05:00', '.opencode/work/tasks/OPR-H-0040.md');
    task.run('ENG-M-0041', 'Rename builder to engineer', 'TODO', 'MEDIUM', 'Engineer', 'refactor', null, null, null, 'Rename the role.', null, null, '2026-02-02 09:00:00', '2026-02-02 09:00:00', '.opencode/work/tasks/ENG-M-0041.md');
    task.run('DOC-L-0042', 'Write the persona guide', 'DONE', 'LOW', 'Documentarian', 'documentation', null, null, null, 'A guide.', null, null, '2026-02-02 09:00:00', '2026-02-02 09:00:00', '.opencode/work/tasks/DOC-L-0042.md');
    task.run('OPR-H-0043', 'Add mission codenames to the dashboard', 'TODO', 'HIGH', 'Operator', 'feature', null, null, null, 'Show codenames.', null, 'EPC-H-0001', '2026-02-03 10:00:00', '2026-02-03 10:00:00', '.opencode/work/tasks/OPR-H-0043.md');
    db.prepare("INSERT INTO task_dependencies VALUES ('OPR-H-0043', 'OPR-H-0032')").run();
    const handoff = db.prepare('INSERT INTO handoffs (id, task_id, from_mission_id, to_role, summary, notes, created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    handoff.run(1, 'OPR-H-0043', 1, 'Engineer', 'Codenames are in the database; the dashboard still shows persona names.', 'Start from dashboard.py.', '2026-02-03 21:25:00', null);
    handoff.run(2, 'OPR-H-0043', 1, 'Tester', 'Withdrawn', null, '2026-02-03 21:26:00', '2026-02-03 21:27:00');
  } finally {
    db.close();
  }

  // Task files: the markdown copies s9 regenerates.
  repo.write('.opencode/work/tasks/OPR-H-0032.md', taskMarkdown({ id: 'OPR-H-0032', title: 'Unify agent and session concepts into single session entity', status: 'COMPLETE', priority: 'HIGH', role: 'Operator', category: 'refactor', claimed: '2026-02-04 00:55:44', closed: '2026-02-04 05:28:09', body: 'Refactor the entity model (see ADR-006).' }));
  repo.write('.opencode/work/tasks/OPR-H-0040.md', taskMarkdown({ id: 'OPR-H-0040', title: 'Close abandoned missions gracefully', status: 'UNDERWAY', priority: 'HIGH', role: 'Documentarian', category: 'maintenance' }));
  repo.write('.opencode/work/tasks/ENG-M-0041.md', taskMarkdown({ id: 'ENG-M-0041', title: 'Rename builder to engineer', status: 'BLOCKED', priority: 'MEDIUM', role: 'Engineer', category: 'refactor' }));
  repo.write('.opencode/work/tasks/DOC-L-0042.md', taskMarkdown({ id: 'DOC-L-0042', title: 'Write the persona guide', status: 'DONE', priority: 'LOW', role: 'Documentarian' }));
  repo.write('.opencode/work/tasks/OPR-H-0043.md', taskMarkdown({ id: 'OPR-H-0043', title: 'Add mission codenames to the dashboard', status: 'TODO', priority: 'HIGH', role: 'Operator', category: 'feature' }));
  repo.write('.opencode/work/tasks/OPR-M-0050.md', taskMarkdown({ id: 'OPR-M-0050', title: 'Archive old session files', status: 'TODO', priority: 'MEDIUM', role: 'Operator', category: 'maintenance' }));

  // Mission files.
  repo.write(
    '.opencode/work/missions/2026-02-03.09:02:11.operator.hemera.swift-thunder.unify-entities.md',
    missionMarkdown(
      { date: '2026-02-03', start_time: '09:02:11', end_time: '16:30:00', role: 'operator', persona: 'hemera', codename: 'swift-thunder', mission_id: '1', task_summary: 'unify-entities' },
      { Objective: 'Unify agent and session concepts.', Outcomes: 'ADR-006 written and approved; codenames assigned to all 38 missions.', 'Next Steps': 'Engineer: show codenames on the dashboard (OPR-H-0043).' },
    ),
  );
  repo.write(
    '.opencode/work/missions/2026-02-03.23:30:00.architect.nyx.void-matrix.late-review.md',
    missionMarkdown(
      { date: '2026-02-04', start_time: '04:30:00', end_time: '00:45:00', role: 'architect', persona: 'nyx', codename: 'void-matrix', mission_id: '2' },
      { Outcomes: 'Reviewed ADR-006 late at night; approved with two remarks.', 'Next Steps': '[To be determined based on work done]' },
    ),
  );
  repo.write('.opencode/work/missions/2026-02-02.08:00:00.documentarian.thoth-ii.crimson-falcon.docs.md', missionMarkdown(undefined, { 'Work Log': '### 08:00 - Session Started', 'Next Steps': 'Finish closing the abandoned missions: 6 of 11 done, list in the work log.' }));
  repo.write(
    '.opencode/work/missions/2026-02-05.08:00:00.engineer.atlas.bold-shadow.refactor.md',
    missionMarkdown({ date: '2026-02-05', start_time: '13:00:00', end_time: '12:00:00', role: 'engineer', persona: 'atlas', codename: 'bold-shadow', mission_id: '4' }, { Outcomes: 'CLI split into modules.' }),
  );
  repo.write(
    '.opencode/work/missions/2026-02-01.10:00:00.tester.loki.flaky-tests.md',
    missionMarkdown({ date: '2026-02-01', start_time: '10:00:00', end_time: '11:15:00', role: 'tester', name: 'loki', task_summary: 'flaky-tests', status: 'completed' }, { Outcomes: 'Found the flaky test: a shared temp folder.' }),
  );
  writeFileSync(join(missionsDir, '2026-02-06.10:00:00.tester.loki-ii.broken.md'), '---\ndate: 2026-02-06\nstart_time: [unclosed\nrole: tester\n---\n# Mission\n');

  // History: each file committed when it was last written, in its author's zone.
  commitAt(repo, ['.opencode/work/tasks/OPR-H-0032.md', '.opencode/work/tasks/DOC-L-0042.md', '.opencode/work/tasks/OPR-H-0043.md', '.opencode/work/tasks/OPR-M-0050.md'], '2026-02-04T00:30:00-05:00', 'site-nine: tasks');
  commitAt(repo, ['.opencode/work/tasks/OPR-H-0040.md'], '2026-02-02T08:06:00-05:00', 'site-nine: OPR-H-0040');
  commitAt(repo, ['.opencode/work/missions/2026-02-02.08:00:00.documentarian.thoth-ii.crimson-falcon.docs.md'], '2026-02-02T12:40:00-05:00', 'thoth-ii: work log');
  commitAt(repo, ['.opencode/work/missions/2026-02-03.09:02:11.operator.hemera.swift-thunder.unify-entities.md'], '2026-02-03T16:31:00-05:00', 'hemera: mission file');
  commitAt(repo, ['.opencode/work/missions/2026-02-03.23:30:00.architect.nyx.void-matrix.late-review.md'], '2026-02-04T00:50:00-05:00', 'nyx: mission file');
  commitAt(repo, ['.opencode/work/missions/2026-02-01.10:00:00.tester.loki.flaky-tests.md'], '2026-02-01T11:20:00-05:00', 'loki: mission file');
  // Edited after the database: newer than its updated_at.
  commitAt(repo, ['.opencode/work/tasks/ENG-M-0041.md'], '2026-02-05T10:00:00-05:00', 'ENG-M-0041 is blocked');
  commitAt(repo, ['.opencode/work/missions/2026-02-05.08:00:00.engineer.atlas.bold-shadow.refactor.md'], '2026-02-05T12:05:00-05:00', 'atlas: corrected end');
  return { db: dbFile, missionsDir, tasksDir };
}

/** site-nine before ADR-006: an `agents` table with statuses, 11 of which were left in-progress. */
export function buildSiteNineAgents(repo: TempRepo): string {
  const dataDir = join(repo.dir, '.opencode', 'data');
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'project.db');
  const db = sqlite(file, PRE_ADR006_SCHEMA);
  try {
    const agent = db.prepare('INSERT INTO agents (id, name, base_name, suffix, role, session_file, session_date, start_time, end_time, status, task_summary, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    agent.run(1, 'terminus', 'terminus', null, 'Operator', '.opencode/work/sessions/2026-01-30.09:15:55.operator.terminus.expand-task-db.md', '2026-01-30', '14:15:55', '15:40:00', 'completed', 'expand-task-db', '2026-01-30 14:15:55', '2026-01-30 20:40:02');
    agent.run(2, 'terminus-ii', 'terminus', 'ii', 'Operator', '.opencode/work/sessions/2026-02-02.10:00:00.operator.terminus-ii.cleanup.md', '2026-02-02', '15:00:00', null, 'in-progress', 'cleanup', '2026-02-02 15:00:00', '2026-02-02 16:20:00');
    agent.run(3, 'kali', 'kali', null, 'Inspector', '.opencode/work/sessions/2026-02-02.11:00:00.inspector.kali.audit.md', '2026-02-02', '16:00:00', null, 'paused', 'audit', '2026-02-02 16:00:00', '2026-02-02 16:45:00');
    agent.run(4, 'loki', 'loki', null, 'Tester', '.opencode/work/sessions/x.md', '2026-02-02', '17:00:00', null, 'sleeping', 'tests', '2026-02-02 17:00:00', '2026-02-02 17:00:00');
    db.prepare("INSERT INTO tasks VALUES ('OPR-H-0005', 'Expand the task database', 'UNDERWAY', 'HIGH', 'Operator', 'infrastructure', 2, 'terminus-ii', '2026-02-02 15:05:00', NULL, '2026-01-29 10:00:00', '2026-02-02 15:05:00', '.opencode/work/tasks/OPR-H-0005.md')").run();
  } finally {
    db.close();
  }
  return file;
}
