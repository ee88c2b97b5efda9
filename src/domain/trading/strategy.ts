/**
 * The strategy seam (Freqtrade's IStrategy, TypeScript-flavoured): a strategy is a pure function
 * of the day's predictions, closes and account to order intents with their reasons, with a zod
 * schema for its parameters. The built-ins live in ./strategies/; a team's own is a module named in
 * its team file (`strategy: { module: ./teams/green/strategy.ts, ...params }`). No broker, no clock:
 * the trade step turns intents into orders, and the model evaluator back-tests the same `decide`.
 */
import type { z } from 'zod';
import type { Side } from './types.ts';

export interface SymbolPrediction {
  symbol: string;
  /** Regression models: predicted next-day return. */
  expectedReturn: number | null;
  /** Classification models: predicted probability that tomorrow closes higher. */
  probabilityUp: number | null;
}

export interface StrategyInput {
  predictions: readonly SymbolPrediction[];
  /** Latest close per symbol (the price the decision is made at). */
  closes: Readonly<Record<string, number>>;
  cash: number;
  equity: number;
  /** Held quantities (long only). */
  positions: Readonly<Record<string, number>>;
  /** Symbols that must not be traded today, with the reason (stale data, failed quality gate…). */
  blocked?: Readonly<Record<string, string>>;
}

/** Why an order is placed: `buy_*` or `sell_*` (the built-ins use sell_loss, sell_worst, sell_fund, sell_rebalance, buy_best, buy_topk, buy_hold). */
export type Intent = `buy_${string}` | `sell_${string}`;

export interface OrderIntent {
  symbol: string;
  side: Side;
  qty: number;
  intent: Intent;
  /** The prediction behind the decision (return or probability) and the threshold it crossed. */
  predicted: number | null;
  threshold: number | null;
  /** Price the quantity was sized at. */
  refPrice: number;
  reason: string;
}

export interface StrategyDecision {
  mode: 'regression' | 'classification' | 'none';
  orders: OrderIntent[];
  /** Why nothing (more) was done, for the report. */
  notes: string[];
}

export interface Strategy<P = unknown> {
  /** The name a strategy file's `kind:` (or the plug-in module) stands for. */
  readonly kind: string;
  /** Its parameters, validated at config load with the team file's one-line errors. */
  readonly schema: z.ZodType<P>;
  decide(params: P, input: StrategyInput): StrategyDecision;
  /** A cross-check against the team (e.g. k ≤ the symbol count): the message, or null when fine. */
  check?(params: P, team: { symbols: readonly string[] }): { field: string; expected: string } | null;
}

/** A strategy with its validated parameters: what a team trades with. */
export interface TeamStrategy {
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  decide(input: StrategyInput): StrategyDecision;
}

export function bindStrategy<P>(strategy: Strategy<P>, params: P): TeamStrategy {
  return { kind: strategy.kind, params: params as Readonly<Record<string, unknown>>, decide: (input) => strategy.decide(params, input) };
}

/** A strategy's parameters failed its own cross-check against the team. */
export class StrategyParamError extends Error {
  constructor(
    readonly field: string,
    readonly expected: string,
  ) {
    super(`${field}: expected ${expected}`);
  }
}

/** Any strategy behind one type: its schema (for the team file's error messages) and a binder that validates. */
export interface AnyStrategy {
  readonly kind: string;
  readonly schema: z.ZodType;
  /** Parses `params` with the schema (throws its ZodError), runs the cross-check (throws StrategyParamError), binds. */
  bind(params: unknown, team: { symbols: readonly string[] }): TeamStrategy;
}

export function anyStrategy<P>(s: Strategy<P>): AnyStrategy {
  return {
    kind: s.kind,
    schema: s.schema,
    bind(raw, team) {
      const p = s.schema.parse(raw);
      const problem = s.check?.(p, team);
      if (problem) throw new StrategyParamError(problem.field, problem.expected);
      return bindStrategy(s, p);
    },
  };
}
