import { runHookFrame, type HookIO } from './frame.js';
import { LIGHT_KINDS, runLightKind } from './light.js';

/**
 * Every agent event, the light ones included (used by `sortie hook` and the full bundle). A light
 * kind goes through its light handler first; the database is opened only where that one hands
 * the event on.
 */
export async function runAgentHook(agentName: string, event: string, io: HookIO): Promise<number> {
  const code = await runHookFrame(agentName, event, io, async (kind, ev, adapter, now, deadline) => {
    const out = (t: string) => io.stdout.write(t);
    if ((LIGHT_KINDS.has(kind) || (kind === 'precompact' && adapter.precompactGate)) && runLightKind(kind, ev, adapter, { env: io.env, now, ppid: io.ppid, out }) !== 'full') return;
    if (kind === 'start') {
      const { sessionStart } = await import('./session-start.js');
      const r = await sessionStart(adapter, ev, io.env, now, io.ppid, deadline);
      if (r?.stdout) out(r.stdout);
    } else if (kind === 'precompact') {
      const { preCompact } = await import('./pre-compact.js');
      const r = await preCompact(adapter, ev, io.env, now, deadline);
      if (r?.stdout) out(r.stdout);
    } else if (kind === 'pretool') {
      const { preToolGuard } = await import('./pre-tool.js');
      const text = await preToolGuard(adapter, ev, io, now, deadline);
      if (text) out(text);
    }
  });
  return code ?? 0;
}
