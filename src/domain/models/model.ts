/**
 * The model seam (`ModelBackend`): how a model family is fitted, used and stored. tfjs networks,
 * the tree ensembles and a team's own plug-in all implement it, and everything above — walk-forward
 * evaluation, baselines, the gate, the registry, the daily predictions — sees only this.
 * A fitted model is an object that predicts and serialises itself, so no caller needs to know
 * which library is inside.
 */
import type { z } from 'zod';
import type { Sample } from './dataset.ts';
import type { ModelSpec } from './spec.ts';

/** A registry version's lifecycle: trained → gated → champion / pending approval / rejected; a champion replaced is retired. */
export const VERSION_STATUSES = ['candidate', 'champion', 'retired', 'rejected', 'pending_approval'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface EpochLog {
  epoch: number;
  loss: number;
  val_loss: number | null;
}

/** A fitted model and everything needed to use it again. */
export interface TrainedModel {
  readonly spec: ModelSpec;
  /** Model input columns, in order. */
  readonly columns: string[];
  /** What computed it (`wasm`, `tensorflow`, `cpu`, `js`, …): recorded in the model card. */
  readonly backend: string;
  /** Raw outputs in target units: a return / close for numerical models, P(up) for binary ones. */
  predict(samples: readonly Sample[]): number[];
  /** The files that `ModelBackend.load` reads back (names are the backend's own). */
  save(): Promise<ModelFiles>;
  /** Frees native or WASM memory (a no-op for plain-JS models). */
  dispose(): void;
}

/** File name → bytes, as written into a registry version directory. */
export type ModelFiles = Record<string, Uint8Array>;

export interface TrainResult {
  model: TrainedModel;
  /** Per-epoch losses (one entry per boosting round or tree batch for non-gradient models). */
  history: EpochLog[];
  bestEpoch: number;
  stoppedEarly: boolean;
  trainSamples: number;
  validationSamples: number;
  trainFrom: string;
  trainTo: string;
  seconds: number;
}

export interface FitOptions {
  samples: readonly Sample[];
  spec: ModelSpec;
  columns: string[];
  /** A model to continue from (warm start); a backend ignores one it cannot use. */
  warmStart?: TrainedModel;
  onEpoch?: (log: EpochLog) => void;
  signal?: AbortSignal;
}

export class TrainingAborted extends Error {
  constructor() {
    super('training aborted');
  }
}

/**
 * A model family. `kind` is what `model.encoder.type` names (or a plug-in's own name), and
 * `schema` validates the rest of `model.encoder` with the same one-line errors as the team file.
 */
export interface ModelBackend<P = unknown> {
  readonly kind: string;
  readonly schema: z.ZodType<P>;
  fit(o: FitOptions): Promise<TrainResult>;
  load(files: ModelFiles, meta: { spec: ModelSpec; columns: string[] }): Promise<TrainedModel>;
  /** Which compute backend `fit` would use for this spec and data size, and why (training report, doctor). */
  describe?(spec: ModelSpec, data: { samples: number; inputs: number }): string;
}

/** Picks the backend for a spec: built-ins by `encoder.type`, plug-ins by their module. */
export type BackendResolver = (spec: ModelSpec) => ModelBackend;
