#!/usr/bin/env node
// `npx arena ...`: registers tsx in this very process and runs the TypeScript CLI (no build step,
// no child process, so a signal sent to this pid reaches the CLI itself).
import { register } from 'tsx/esm/api';

register();
// tsx turns on Node's source maps, and Node then parses and keeps the maps of every dependency that
// ships one (TensorFlow.js alone: ~30 MB of heap). Stack traces are printed only with ARENA_DEBUG,
// so the maps are kept only then.
if (!process.env.ARENA_DEBUG) process.setSourceMapsEnabled(false);
const { main } = await import('../src/apps/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
