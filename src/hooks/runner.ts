import { runHookFrame, type HookIO } from './frame.js';
import { LIGHT_KINDS, runLightKind } from './light.js';

/** Every agent event, the light ones included (used by `sortie hook` and the full bundle). */
export async function runAgentHook(agentName: string, event: string, io: HookIO): Promise<number> {
  const code = await runHookFrame(agentName, event, io, async (kind, ev, adapter, now, deadline) => {
    if (LIGHT_KINDS.has(kind)) return runLightKind(kind, ev, io.env, now);
    if (kind === 'start') {
      const { sessionStart } = await import('./session-start.js');
      const r = await sessionStart(adapter, ev, io.env, now, io.ppid, deadline);
      if (r) io.stdout.write(r.stdout);
    } else if (kind === 'precompact') {
      const { preCompact } = await import('./pre-compact.js');
      await preCompact(ev, io.env, now, deadline);
    }
  });
  return code ?? 0;
}
