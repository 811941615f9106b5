/**
 * Builds `.agents/sessions/*.md` session files inside a test repository from the documented format
 * (front matter `session:` and `orchestration:` blocks, the required sections, waves of issues in
 * Execution Progress, a Session Log). Known defects: a session left in_progress whose last sign of
 * life is in its Session Log (no zone), an issue in two sessions with different states, a file name
 * without timestamp, broken YAML, an unknown status, a file without front matter.
 */
import type { TempRepo } from '../repo.js';
import { commitAt } from './common.js';

export function sessionFile(o: {
  title: string;
  status: string;
  created: string;
  updated: string;
  linear?: string;
  currentTask?: string;
  spawned?: { agent: string; task: string; status: string; summary?: string }[];
  progress?: string;
  currentState?: string;
  nextSteps?: string;
  log?: string[];
}): string {
  return [
    '---',
    'session:',
    `  title: "${o.title}"`,
    `  status: ${o.status}`,
    `  created: "${o.created}"`,
    `  last_updated: "${o.updated}"`,
    ...(o.linear ? [`  linear_issue: "${o.linear}"`, `  linear_url: "https://linear.app/acme/issue/${o.linear}"`] : []),
    '',
    'orchestration:',
    `  current_task: "${o.currentTask ?? 'none'}"`,
    ...(o.spawned?.length
      ? ['  spawned_agents:', ...o.spawned.flatMap((a) => [`    - agent: ${a.agent}`, `      task: "${a.task}"`, `      status: ${a.status}`, ...(a.summary ? [`      summary: "${a.summary}"`] : [])])]
      : []),
    '---',
    '',
    `# Session: ${o.title}`,
    '',
    '## Context',
    'Background for anyone picking up this work.',
    '',
    '## Current State',
    o.currentState ?? 'Nothing yet.',
    '',
    '## Execution Progress',
    '',
    o.progress ?? '',
    '',
    '## Next Steps',
    o.nextSteps ?? '- none',
    '',
    '---',
    '',
    '## Session Log',
    '',
    ...(o.log ?? []),
    '',
  ].join('\n');
}

export function buildSessions(repo: TempRepo): string {
  const dir = '.agents/sessions';
  repo.write(
    `${dir}/20251204-143000-weather-fallback.md`,
    sessionFile({
      title: 'Weather provider fallback',
      status: 'in_progress',
      created: '2025-12-04T14:30:00Z',
      updated: '2025-12-05T09:00:00Z',
      linear: 'BACK-120',
      currentTask: 'Wire the fallback provider into the forecast service',
      spawned: [
        { agent: 'backend-dev', task: 'Add fallback provider', status: 'completed', summary: 'OpenMeteo client added behind a flag' },
        { agent: 'frontend-dev', task: 'Stale-data banner', status: 'pending' },
      ],
      progress: ['### Wave 1: Providers (ACTIVE)', '- [ ] BACK-123 - Add fallback provider', '- [x] BACK-124 - Cache weather responses (completed)', '', '### Wave 2: UI (blocked by Wave 1)', '- [ ] BACK-125 - Show stale-data banner'].join('\n'),
      currentState: 'The fallback client works; the forecast service does not call it yet. Flag WEATHER_FALLBACK is off.',
      nextSteps: '1. Call the fallback in forecast.py when the primary times out.\n2. Turn the flag on in staging.',
      log: ['### 2025-12-04 14:30 - PM', 'Session created.', '', '### 2025-12-07 09:15 - backend-dev', 'Fallback client merged.'],
    }),
  );
  repo.write(
    `${dir}/20251201-090000-auth-cleanup.md`,
    sessionFile({
      title: 'Auth cleanup',
      status: 'completed',
      created: '2025-12-01T09:00:00Z',
      updated: '2025-12-02T17:00:00Z',
      progress: ['### Wave 1: Cleanup', '- [x] BACK-100 - Remove the legacy session table', '- [ ] BACK-124 - Cache weather responses'].join('\n'),
      currentState: 'Done: the legacy table is gone.',
    }),
  );
  repo.write(
    `${dir}/20251206-100000-paused-migration.md`,
    sessionFile({ title: 'Billing migration', status: 'paused', created: '2025-12-06T10:00:00Z', updated: '2025-12-06T18:00:00Z', progress: '### Wave 1: Schema\n- [ ] BACK-130 - Add the invoices table', currentState: 'Paused until finance signs off.' }),
  );
  repo.write(`${dir}/weather-notes.md`, sessionFile({ title: 'Weather notes', status: 'completed', created: '2025-12-03T08:00:00Z', updated: '2025-12-03T09:00:00Z' }));
  repo.write(`${dir}/20251207-120000-broken.md`, '---\nsession:\n  title: "Broken\n  status: in_progress\n---\n# Session\n');
  repo.write(`${dir}/20251208-120000-done-status.md`, sessionFile({ title: 'Done status', status: 'done', created: '2025-12-08T12:00:00Z', updated: '2025-12-08T12:00:00Z' }));
  repo.write(`${dir}/20251209-120000-no-frontmatter.md`, '# Session: no front matter\n\n## Current State\nSomething.\n');
  // Committed along the way; the last commit is older than the weather session's last log entry.
  commitAt(repo, [dir], '2025-12-06T19:00:00+01:00', 'sessions');
  return `${repo.dir}/${dir}`;
}
