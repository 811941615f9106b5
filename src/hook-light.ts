// The light hook entry (dist/hook-light.cjs): heartbeat and SessionEnd, without the database
// driver or the rest of sortie. dist/hook.cjs tries it first and starts the full bundle only for
// the events it declines.
import { processHookIO } from './hooks/frame.js';
import { runLightHook } from './hooks/light.js';

export function light(argv: string[]): Promise<number | undefined> {
  const [target = '', event = ''] = argv;
  return runLightHook(target, event, processHookIO(argv.slice(2)));
}
