/** Whether tfjs-node is installed, without loading TensorFlow.js (importing it costs ~0.8 s of CPU per process). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Whether @tensorflow/tfjs-node can be loaded here (resolved, not loaded: loading costs ~1 s and ~100 MB). */
export function isTensorflowInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return existsSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-node')), '..', 'lib'));
  } catch {
    return false;
  }
}

