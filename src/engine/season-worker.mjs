/* global process */
// The entry of a season worker process (engine/season-workers.ts forks it): registers tsx in this
// process, as bin/arena.mjs does, and runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
const { processVariable } = await import('../config/env.ts');
// Source maps only with ARENA_DEBUG (see bin/arena.mjs: they cost tens of MB of heap).
if (!processVariable('ARENA_DEBUG')) process.setSourceMapsEnabled(false);
await import('./season-worker.ts');
