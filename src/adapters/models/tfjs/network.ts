/** Builds the tfjs network for an encoder spec with seeded initialisers (same seed → same weights). */
import { tf } from './backend.ts';
import type { EncoderSpec, OutputKind } from '../../../domain/models/spec.ts';

export function buildNetwork(encoder: EncoderSpec, inputDim: number, window: number, output: OutputKind, seed: number): tf.LayersModel {
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const model = tf.sequential();
  const outActivation = output === 'binary' ? 'sigmoid' : 'linear';
  switch (encoder.type) {
    case 'linear':
      model.add(tf.layers.dense({ units: 1, inputShape: [inputDim], activation: outActivation, kernelInitializer: init() }));
      break;
    case 'mlp': {
      encoder.hidden.forEach((units, i) => {
        model.add(
          tf.layers.dense({
            units,
            activation: encoder.activation,
            kernelInitializer: init(),
            ...(encoder.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: encoder.l2 }) } : {}),
            ...(i === 0 ? { inputShape: [inputDim] } : {}),
          }),
        );
      });
      model.add(tf.layers.dense({ units: 1, activation: outActivation, kernelInitializer: init() }));
      break;
    }
    case 'lstm':
      model.add(
        tf.layers.lstm({
          units: encoder.units,
          inputShape: [window, inputDim / window],
          kernelInitializer: init(),
          recurrentInitializer: tf.initializers.orthogonal({ seed: s++, gain: 1 }),
        }),
      );
      model.add(tf.layers.dense({ units: 1, activation: outActivation, kernelInitializer: init() }));
      break;
  }
  return model;
}
