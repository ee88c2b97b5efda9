/**
 * The FeatureFactory contract: one indicator family (its YAML key and schema, the bar fields it needs,
 * its columns) with two ways to compute it that must agree to 1e-9 —
 * - `make`: streaming indicators, fed one bar at a time (the live cycle appends one bar a day);
 * - `batch`: typed arrays in, typed arrays out, one pass over a whole series (`buildFeatureMatrix`).
 * A factory without `batch` is computed through its streaming indicators in the batch path too.
 */
import { z } from 'zod';
import type { BarField, OhlcvColumns, StreamingIndicator, StreamingTransform } from './indicators/types.ts';

/**
 * A family computed from the bars, e.g. `rsi: [14]` → column `rsi_14`. A plug-in needs only `key`,
 * `schema` and `make`; the rest defaults from its indicators (and `batch` from streaming them).
 */
export interface BarFeatureFactory<S extends z.ZodType = z.ZodType, K extends string = string> {
  readonly kind?: 'bars';
  /** The key under `features:` in the team YAML. */
  readonly key: K;
  /** Its YAML value; `make`, `columns` and `batch` get the parsed value. */
  readonly schema: S;
  /**
   * Bar fields beyond close; a series without them (close-only) drops the family with the reason.
   * Default: what its indicators require.
   */
  readonly requires?: readonly BarField[];
  /** Column names, in order: the concatenation of `make(params)`'s columns (the default). */
  columns?(params: z.output<S>): string[];
  make(params: z.output<S>): StreamingIndicator[];
  /** One Float64Array per column (same order as `columns`), NaN where the streaming form gives null. */
  batch?(params: z.output<S>, bars: OhlcvColumns): Float64Array[];
}

/**
 * A family computed from other feature columns (today: lags). Its columns come after the bar families
 * and the external (`av_*`) columns; an input column that was dropped drops its outputs with the reason.
 */
export interface DerivedFeatureFactory<S extends z.ZodType = z.ZodType, K extends string = string> {
  readonly kind: 'derived';
  readonly key: K;
  readonly schema: S;
  /** The feature columns it reads. */
  inputs(params: z.output<S>): string[];
  /** Where the inputs sit inside the YAML value, for messages (`features.lags.columns: …`). */
  readonly inputsField: string;
  /** How a plan names the outputs of one input when dropped (e.g. `lags of ret_1`). */
  label(input: string): string;
  columns(params: z.output<S>, input: string): string[];
  make(params: z.output<S>, input: string): StreamingTransform;
  /** The outputs for one input column (NaN = null), one Float64Array per output column. */
  batch?(params: z.output<S>, values: Float64Array): Float64Array[];
}

export type FeatureFactory<S extends z.ZodType = z.ZodType, K extends string = string> = BarFeatureFactory<S, K> | DerivedFeatureFactory<S, K>;

/** The bar fields a family needs for these params. */
export const requiredFields = (f: BarFeatureFactory, params: unknown): readonly BarField[] =>
  f.requires ?? [...new Set(f.make(params).flatMap((i) => [...i.requires]))];

/** A family's columns for these params. */
export const columnsOf = (f: BarFeatureFactory, params: unknown): string[] => (f.columns ? f.columns(params) : f.make(params).flatMap((i) => [...i.columns]));

/** Identity, for type inference: keeps the literal key and the schema's type in a factory's definition. */
export function defineFeature<S extends z.ZodType, K extends string>(f: BarFeatureFactory<S, K>): BarFeatureFactory<S, K>;
export function defineFeature<S extends z.ZodType, K extends string>(f: DerivedFeatureFactory<S, K>): DerivedFeatureFactory<S, K>;
export function defineFeature<S extends z.ZodType, K extends string>(f: FeatureFactory<S, K>): FeatureFactory<S, K> {
  return f;
}

// Parameter schemas the built-in families share (their messages are the YAML's error messages).
export const period = z.number().int().min(1).max(500);
export const periods = z.array(period).min(1);
/** Periods of a sample statistic (a standard deviation needs two values). */
export const windows = z.array(z.number().int().min(2).max(500)).min(1);
