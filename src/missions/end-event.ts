/**
 * What SessionEnd queues (store/queue.ts, kind `end`) instead of writing to the database: one JSON
 * line per ended session. The light hook writes it; catch-up.ts applies it as of `at`.
 */
export interface EndEvent {
  type: 'end';
  agent: string;
  session: string;
  reason: string;
  at: string;
}
