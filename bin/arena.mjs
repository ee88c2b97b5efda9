#!/usr/bin/env node
// `npx arena ...`: registers tsx in this very process and runs the TypeScript CLI (no build step,
// no child process, so a signal sent to this pid reaches the CLI itself).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
