/**
 * A team's plug-in model family, fenced: whatever its own code throws — `fit`, `load`, or a fitted
 * model's `predict`/`save` — comes out as a PluginModelError (same message, the original as cause).
 * The model step catches exactly that (the team keeps its champion for the day) and lets everything
 * else through: a shutdown's abort, a full disk, the registry, the tracker, the back-test.
 */
import { ArenaError, errorMessage } from '../core/errors.ts';
import { TrainingAborted, type FitOptions, type ModelBackend, type ModelFiles, type TrainedModel } from '../domain/models/model.ts';

export class PluginModelError extends ArenaError {
  constructor(
    /** The plug-in family's `kind`. */
    readonly kind: string,
    cause: unknown,
  ) {
    super(errorMessage(cause), { cause });
  }
}

/** The plug-in's own models behind their fences: a warm start hands the plug-in its own object back. */
const inner = new WeakMap<TrainedModel, TrainedModel>();

/** An abort is the daemon stopping, never the plug-in's fault: it passes unchanged. */
function fenced(kind: string, err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof PluginModelError || err instanceof TrainingAborted || signal?.aborted) return err;
  return new PluginModelError(kind, err);
}

function fenceModel(kind: string, m: TrainedModel): TrainedModel {
  const model: TrainedModel = {
    get spec() {
      return m.spec;
    },
    get columns() {
      return m.columns;
    },
    get backend() {
      return m.backend;
    },
    predict(samples) {
      try {
        return m.predict(samples);
      } catch (err) {
        throw fenced(kind, err);
      }
    },
    async save(): Promise<ModelFiles> {
      try {
        return await m.save();
      } catch (err) {
        throw fenced(kind, err);
      }
    },
    dispose: () => m.dispose(),
  };
  inner.set(model, m);
  return model;
}

export function fencePluginBackend(b: ModelBackend): ModelBackend {
  const describe = b.describe?.bind(b);
  return {
    kind: b.kind,
    schema: b.schema,
    async fit(o: FitOptions) {
      const warm = o.warmStart ? (inner.get(o.warmStart) ?? o.warmStart) : undefined;
      try {
        const r = await b.fit({ ...o, ...(warm ? { warmStart: warm } : {}) });
        return { ...r, model: fenceModel(b.kind, r.model) };
      } catch (err) {
        throw fenced(b.kind, err, o.signal);
      }
    },
    async load(files, meta) {
      try {
        return fenceModel(b.kind, await b.load(files, meta));
      } catch (err) {
        throw fenced(b.kind, err);
      }
    },
    ...(describe ? { describe } : {}),
  };
}
