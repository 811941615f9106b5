/**
 * Builds workstreams (`work/<stream>/tasks.json`, `threads.json`) inside a test repository from the
 * session-tracking plan and the threads.json schema: SessionRecords per thread, the older form with
 * sessions on every task of a thread, and the known defects: a session left `running`, a
 * currentSessionId naming no session, the same session in both files, a session only in
 * tasks.json, an unknown task status, a malformed tasks.json.
 */
import type { TempRepo } from '../repo.js';

const task = (id: string, name: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  name,
  thread_name: `Thread ${id.split('.')[2]}`,
  batch_name: `Batch ${id.split('.')[1]}`,
  stage_name: `Stage ${id.split('.')[0]}`,
  created_at: '2026-01-22T08:00:00.000Z',
  updated_at: '2026-01-22T08:00:00.000Z',
  status,
  ...extra,
});

export function buildWorkstreams(repo: TempRepo): void {
  const sesA = { sessionId: 'ses_a', agentName: 'backend-expert', model: 'anthropic/claude-sonnet', startedAt: '2026-01-22T10:00:00.000Z', completedAt: '2026-01-22T11:05:00.000Z', status: 'completed', exitCode: 0 };
  const sesB = { sessionId: 'ses_b', agentName: 'backend-expert', model: 'anthropic/claude-sonnet', startedAt: '2026-01-22T12:00:00.000Z', status: 'running' };
  repo.write(
    'work/005-session-tracking/tasks.json',
    JSON.stringify(
      {
        version: '1.0.0',
        stream_id: '005-session-tracking',
        last_updated: '2026-01-22T12:30:00.000Z',
        tasks: [
          task('01.01.01.01', 'Add SessionRecord type', 'completed', { updated_at: '2026-01-22T11:00:00.000Z', report: 'Added SessionRecord to src/types/tasks.ts.', sessions: [{ ...sesA, completedAt: undefined, status: 'running' }] }),
          task('01.01.01.02', 'Add sessions to Task', 'completed', { updated_at: '2026-01-22T11:04:00.000Z' }),
          task('01.01.02.01', 'Validate session fields', 'in_progress', {
            updated_at: '2026-01-22T12:30:00.000Z',
            sessions: [{ sessionId: 'ses_c', agentName: 'backend-expert', model: 'anthropic/claude-haiku', startedAt: '2026-01-22T09:00:00.000Z', completedAt: '2026-01-22T09:30:00.000Z', status: 'failed', exitCode: 1 }],
          }),
          task('01.02.01.01', 'Capture session id in execute', 'pending'),
          task('02.01.01.01', 'Rename fix to add-stage', 'blocked', { breadcrumb: 'waiting on 01.02.01.01' }),
          task('02.01.01.02', 'Deprecation alias for work fix', 'cancelled', { updated_at: '2026-01-22T09:45:00.000Z' }),
          task('02.02.01.01', 'Fix command core', 'paused'),
        ],
      },
      null,
      2,
    ),
  );
  repo.write(
    'work/005-session-tracking/threads.json',
    JSON.stringify(
      {
        version: '1.0.0',
        stream_id: '005-session-tracking',
        last_updated: '2026-01-22T12:30:00.000Z',
        threads: [
          { threadId: '01.01.01', sessions: [sesA] },
          { threadId: '01.01.02', currentSessionId: 'ses_b', sessions: [sesB] },
          { threadId: '01.02.01', currentSessionId: 'ses_gone', sessions: [] },
        ],
      },
      null,
      2,
    ),
  );
  const sesD = { sessionId: 'ses_d', agentName: 'frontend-dev', model: 'openai/gpt-5', startedAt: '2026-01-23T08:00:00.000Z', completedAt: '2026-01-23T08:20:00.000Z', status: 'interrupted', exitCode: 130 };
  repo.write(
    'work/006-ux/tasks.json',
    JSON.stringify({
      version: '1.0.0',
      stream_id: '006-ux',
      last_updated: '2026-01-23T08:20:00.000Z',
      tasks: [
        task('01.01.01.01', 'Status table', 'in_progress', { updated_at: '2026-01-23T08:10:00.000Z', sessions: [sesD], currentSessionId: 'ses_d' }),
        task('01.01.01.02', 'Resume prompt', 'pending', { sessions: [sesD], currentSessionId: 'ses_d' }),
      ],
    }),
  );
  repo.write('work/007-broken/tasks.json', '{\n  "version": "1.0.0",\n  "tasks": [\n    { "id": "01.01.01.01", }\n  ]\n}\n');
  repo.write('work/index.json', JSON.stringify({ version: '1.0.0', streams: [{ id: '005-session-tracking' }, { id: '006-ux' }, { id: '007-broken' }] }));
}
