/**
 * TensorFlow.js backend selection. WASM by default: the binary ships in the package and, for the
 * small models teams train, tfjs-node's native TensorFlow is slower (per-op overhead; PROTOCOLS.md:
 * a 32-16-1 MLP fit takes 38–46 s on tfjs-node vs 17–24 s on WASM, while a 512-512-1 model takes
 * 11 s vs 97 s). `tensorflow` (tfjs-node, when installed) is used when asked for.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { processVariable } from '../../../config/env.ts';

export { isTensorflowInstalled } from './installed.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

async function tryNode(): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
    const name = '@tensorflow/tfjs-node';
    await import(name);
    return tf.findBackend('tensorflow') !== undefined && (await tf.setBackend('tensorflow'));
  } catch {
    return false;
  }
}

async function pick(preferred: BackendName | 'auto'): Promise<BackendName> {
  const order: BackendName[] = preferred === 'auto' ? ['wasm', 'cpu'] : [preferred, 'wasm', 'cpu'];
  for (const b of order) {
    if (b === 'tensorflow') {
      if (await tryNode()) return 'tensorflow';
      continue;
    }
    try {
      if (await tf.setBackend(b)) {
        await tf.ready();
        return b;
      }
    } catch {
      // fall through to the next backend
    }
  }
  throw new Error('no TensorFlow.js backend could be initialised (tried tfjs-node, wasm, cpu)');
}

const isBackendName = (v: string | undefined): v is BackendName => v === 'tensorflow' || v === 'wasm' || v === 'cpu';

/** Initialise once per process; `ARENA_TF_BACKEND=wasm|cpu|tensorflow` forces a choice (for benches). */
export function initBackend(preferred?: BackendName | 'auto'): Promise<BackendName> {
  const forced = processVariable('ARENA_TF_BACKEND');
  const want = preferred ?? (isBackendName(forced) ? forced : 'auto');
  chosen ??= pick(want);
  return chosen;
}

export function resetBackendForBench(): void {
  chosen = undefined;
}

export { tf };
