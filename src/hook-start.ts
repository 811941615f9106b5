// The start entry (dist/hook-start.cjs): every agent's session start, and nothing else. A start
// opens the database and writes the context at every new conversation, so it loads only what a
// start runs: no commit guard, no pre-tool or pre-compaction handlers (a fifth less code for V8
// to read from the code cache). dist/hook.cjs sends the events the build listed as starts here;
// anything else that arrives is handed to the full bundle with its payload, as the light entry
// hands over what it declines.
import { processHookIO, runHookFrame, type HookIO } from './hooks/frame.js';
import { sessionStart } from './hooks/session-start.js';

/** A session start, or 'full' (undefined) for any other kind of event. */
export function runStartHook(agentName: string, event: string, io: HookIO): Promise<number | undefined> {
  return runHookFrame(agentName, event, io, async (kind, ev, adapter, now, deadline) => {
    if (kind !== 'start') return 'full';
    const r = await sessionStart(adapter, ev, io.env, now, io.ppid, deadline);
    if (r?.stdout) io.stdout.write(r.stdout);
  });
}

export function start(argv: string[]): Promise<number | undefined> {
  // This process exits right after the handler: see closeUnlessExiting.
  (globalThis as { __sortieHookExits?: boolean }).__sortieHookExits = true;
  const [target = '', event = ''] = argv;
  return runStartHook(target, event, processHookIO(argv.slice(2)));
}
