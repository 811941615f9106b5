import { writeSync } from 'node:fs';

/**
 * Test-only. With SORTIE_TEST_SEAM=<name> in its environment, a sortie process stops for good at
 * the point named <name>, after saying `sortie seam <name>` on stderr, so that a test can kill it
 * exactly there (test/integration/crash-repair.test.ts). Nothing sets it outside the tests; the
 * points are: intent-recorded, task-file-written, task-committed (tasks/intent.ts).
 */
export function testSeam(name: string): void {
  if (process.env.SORTIE_TEST_SEAM !== name) return;
  writeSync(2, `sortie seam ${name}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
