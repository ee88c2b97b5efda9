/**
 * What a team's day is worth telling people, read from the journal after the cycle (never from
 * the cycle's internals, so a restored day and a live one say the same): the daily summary, refused
 * orders, the model's retraining and its gate decision, drift; plus fills (from the broker), config
 * changes and errors, which the daemon hands in.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { Env } from '../config/env.ts';
import type { TeamConfig } from '../config/load.ts';
import { errorMessage } from '../core/errors.ts';
import { readJsonLines } from '../core/fsx.ts';
import { ledgerEventSchema } from '../domain/trading/ledger-events.ts';
import type { Notice } from '../adapters/notify/bodies.ts';
import type { Broker } from '../ports.ts';
import type { RunDirs } from './dirs.ts';
import type { Journal } from './journal.ts';
import type { ConfigEvent } from './records.ts';
import { describeEvent } from './config-follow.ts';
import { alpacaBrokerFor } from './wiring.ts';

const money = (x: number): string => `${x < 0 ? '-' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;

/** The journal's notices for one completed day of `team`. */
export function dayNotices(journal: Journal, date: string, team: Pick<TeamConfig, 'team' | 'broker'>, at: string): Notice[] {
  const out: Notice[] = [];
  const base = { team: team.team, at };
  const model = journal.get(date, 'model');
  if (model?.decision.retrain) {
    out.push({ ...base, event: 'retrain', level: 'info', title: `retrained for ${date}`, text: `${model.decision.reason} (trigger: ${model.decision.trigger})${model.trained ? `; candidate ${model.trained.version}` : ''}` });
  }
  if (model?.trained) {
    const g = model.trained.gate;
    const failed = g.checks.filter((c) => !c.passed).map((c) => c.message);
    out.push({
      ...base,
      event: 'gate',
      level: g.passed ? 'good' : 'warn',
      title: `gate ${g.passed ? 'passed' : 'failed'}: ${model.trained.version} is ${model.trained.status}`,
      text: g.passed ? `the candidate passed every check; champion now ${model.version ?? 'none'}` : `failed: ${failed.join('; ') || 'see the training report'}; champion stays ${model.version ?? 'none'}`,
    });
  }
  const monitor = journal.get(date, 'monitor');
  if (monitor?.summary.dataset_drift) {
    out.push({ ...base, event: 'drift', level: 'warn', title: `dataset drift on ${date}`, text: `${(monitor.summary.drift_share * 100).toFixed(0)}% of the feature columns drifted`, fields: [{ name: 'live directional accuracy', value: monitor.summary.live_directional_accuracy === null ? '—' : pct(monitor.summary.live_directional_accuracy).replace('+', '') }] });
  }
  const trade = journal.get(date, 'trade');
  if (trade) {
    const refusedOrders = trade.orders.filter((o) => o.error || o.status === 'rejected');
    if (trade.refused && !/catch-up|opened before|market closed/.test(trade.refused)) out.push({ ...base, event: 'refused', level: 'warn', title: `no orders for ${date}`, text: trade.refused });
    for (const o of refusedOrders) out.push({ ...base, event: 'refused', level: 'warn', title: `order refused: ${o.side} ${o.qty} ${o.symbol}`, text: o.error ?? o.status, fields: [{ name: 'client_order_id', value: o.client_order_id }] });
    const start = team.broker.starting_cash;
    out.push({
      ...base,
      event: 'daily_summary',
      level: 'info',
      title: `${date}: equity ${money(trade.equity)} (${pct(trade.equity / start - 1)})`,
      text: `${trade.orders.filter((o) => !o.error && o.status !== 'not_submitted').length} order(s) placed${trade.refused ? ` (${trade.refused})` : ''}; champion ${model?.version ?? 'none'}`,
      fields: [
        { name: 'cash', value: money(trade.cash) },
        { name: 'positions', value: Object.entries(trade.positions).map(([s, q]) => `${s} ${q}`).join(', ') || 'none' },
      ],
    });
  }
  return out;
}

export function configNotice(team: string, e: ConfigEvent, at: string): Notice {
  return { event: 'config', team, at, level: e.kind === 'adopted' ? 'good' : 'error', title: e.kind === 'adopted' ? `config adopted at ${e.commit.slice(0, 7)}` : `config rejected at ${e.commit.slice(0, 7)}`, text: describeEvent(e) };
}

export function errorNotice(team: string, text: string, at: string): Notice {
  return { event: 'errors', team, at, level: 'error', title: 'cycle failed', text };
}

export interface Fill {
  client_order_id: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  at: string;
}

export function fillNotices(team: string, fills: readonly Fill[], at: string): Notice[] {
  return fills.map((f) => ({ event: 'fills', team, at, level: 'info', title: `filled: ${f.side} ${f.qty} ${f.symbol} at ${money(f.price)}`, text: `order ${f.client_order_id} filled at ${f.at}` }));
}

/**
 * Fills since the last look, once each (a cursor in the workspace survives restarts): from the
 * local paper account's ledger (read only: the daemon's cycle is its only writer), or from the
 * Alpaca-compatible broker's orders.
 */
export class FillWatcher {
  private broker: Broker | null = null;

  constructor(
    private readonly dirs: Pick<RunDirs, 'state'>,
    private readonly env: Env,
  ) {}

  private get cursorFile(): string {
    return path.join(this.dirs.state, 'notify-fills.json');
  }

  private async cursor(): Promise<string | null> {
    try {
      return (JSON.parse(await readFile(this.cursorFile, 'utf8')) as { after?: string }).after ?? null;
    } catch {
      return null;
    }
  }

  private async all(team: TeamConfig): Promise<Fill[]> {
    if (team.broker.kind === 'alpaca') {
      this.broker ??= await alpacaBrokerFor(team, this.env, 'notify: fills');
      const orders = await this.broker.orders({ status: 'closed', direction: 'desc', limit: 500 });
      return orders
        .filter((o) => o.filled_at && o.filled_qty > 0 && o.filled_avg_price !== null)
        .map((o) => ({ client_order_id: o.client_order_id, symbol: o.symbol, side: o.side, qty: o.filled_qty, price: o.filled_avg_price as number, at: o.filled_at as string }));
    }
    const byId = new Map<string, { client_order_id: string; symbol: string; side: 'buy' | 'sell' }>();
    const fills: Fill[] = [];
    const events = await readJsonLines(path.join(this.dirs.state, 'ledger.jsonl'), (v) => ledgerEventSchema.parse(v)).catch(() => []);
    for (const e of events) {
      if (e.type === 'submitted') for (const o of [e.order, ...(e.legs ?? [])]) byId.set(o.id, o);
      if (e.type === 'filled') {
        const o = byId.get(e.orderId);
        if (o) fills.push({ client_order_id: o.client_order_id, symbol: o.symbol, side: o.side, qty: e.qty, price: e.price, at: e.at });
      }
    }
    return fills;
  }

  /** Fills newer than the cursor, oldest first; a workspace's first look only sets the cursor (no flood of history). */
  async next(team: TeamConfig): Promise<Fill[]> {
    let fills: Fill[];
    try {
      fills = await this.all(team);
    } catch (err) {
      throw new Error(`fills: ${errorMessage(err)}`);
    }
    const after = await this.cursor();
    const fresh = after === null ? [] : fills.filter((f) => f.at > after).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const latest = [after ?? '', ...fills.map((f) => f.at)].sort().pop() ?? '';
    await writeFile(this.cursorFile, JSON.stringify({ after: latest }) + '\n');
    return fresh;
  }
}
