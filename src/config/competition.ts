/**
 * The competition's own config (`competition.yml`): what protects the competition lives outside the
 * teams' branches — on a class repository's main branch, or in the coordinator's hands. It names the
 * teams and their branches, pins the team-file fields no team may change (starting cash, broker,
 * fees, data source…), bounds the symbols a team may trade (the universe), and says where the
 * coordinator's notifications go. One-line errors, as for team files.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { parseYaml, validate } from './parse.ts';
import { notifySchema } from './schema.ts';

const ticker = z.string().regex(/^[A-Z][A-Z0-9.-]{0,9}$/, 'an upper-case ticker such as MSFT');
const teamName = z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'a lower-case name such as red');
/** A dotted path into the team file, e.g. broker.starting_cash. */
const fieldPath = z.string().regex(/^[a-z_]+(\.[a-z_0-9]+)*$/, 'a dotted team-file field such as broker.starting_cash');

export const competitionSchema = z.strictObject({
  name: z.string().min(1).default('paper-arena class'),
  /** Each team: its branch and its team file on that branch. */
  teams: z.array(z.strictObject({ team: teamName, branch: z.string().min(1), path: z.string().min(1) })).default([]),
  /** Team-file fields with the only value a team may have (compared after defaults are applied). */
  pinned: z.record(fieldPath, z.unknown()).default({}),
  /** The symbols a team may trade; its `symbols` must be among them (the exchange serves exactly these). */
  universe: z.array(ticker).min(1).optional(),
  /** The coordinator's notifications (daily leaderboard, teams' config changes, daemon errors). */
  notify: notifySchema.optional(),
});
export type CompetitionConfig = z.infer<typeof competitionSchema>;

export function parseCompetition(text: string, display: string): CompetitionConfig {
  return validate(competitionSchema, parseYaml(text, display), display);
}

/** The value at a dotted path of a plain object (undefined when any part is missing). */
export function valueAt(obj: unknown, dotted: string): unknown {
  let v: unknown = obj;
  for (const key of dotted.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** Key-order independent JSON, so `{a, b}` pins equal `{b, a}`. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'undefined';
}

/**
 * Refuses a team file (already validated, defaults applied) that changes a pinned field or trades
 * outside the universe. `display` names the team file, `rulesName` where the rule comes from.
 */
export function checkCompetitionRules(team: { symbols: readonly string[] } & Record<string, unknown>, rules: Pick<CompetitionConfig, 'pinned' | 'universe'>, display: string, rulesName: string): void {
  for (const [field, expected] of Object.entries(rules.pinned)) {
    const actual = valueAt(team, field);
    if (stableJson(actual) !== stableJson(expected))
      throw new ConfigError(display, field, `expected ${stableJson(expected)} (pinned by ${rulesName}: a team may not change it), got ${actual === undefined ? 'nothing' : stableJson(actual)}`);
  }
  if (rules.universe) {
    const allowed = new Set(rules.universe);
    team.symbols.forEach((s, i) => {
      if (!allowed.has(s)) throw new ConfigError(display, `symbols[${i}]`, `expected a symbol of the competition's universe (${rules.universe?.join(', ')}; ${rulesName}), got "${s}"`);
    });
  }
}

/** The pins a class starts with: every term of the shared exchange, the data source and the benchmark, as the template has them. */
export function pinsFromTemplate(team: { broker: Record<string, unknown>; data: Record<string, unknown> }): Record<string, unknown> {
  const pins: Record<string, unknown> = {};
  for (const k of ['kind', 'fill', 'starting_cash', 'slippage_bps', 'commission_per_share', 'commission_min', 'margin_multiplier', 'live']) if (team.broker[k] !== undefined) pins[`broker.${k}`] = team.broker[k];
  for (const k of ['provider', 'benchmark']) if (team.data[k] !== undefined) pins[`data.${k}`] = team.data[k];
  return pins;
}

