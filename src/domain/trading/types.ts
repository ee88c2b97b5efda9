/**
 * Broker-side domain types. Numbers here; the Alpaca adapter and the exchange server convert to
 * and from Alpaca's decimal strings at the edge.
 */
export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
export type TimeInForce = 'day' | 'gtc' | 'opg' | 'cls' | 'ioc' | 'fok';
export type OrderClass = 'simple' | 'bracket' | 'oco' | 'oto';
/** A child of a bracket/OCO/OTO order: the profit-taking limit or the protective stop. */
export type LegRole = 'take_profit' | 'stop_loss';

export const ORDER_TYPES = ['market', 'limit', 'stop', 'stop_limit', 'trailing_stop'] as const satisfies readonly OrderType[];
export const TIMES_IN_FORCE = ['day', 'gtc', 'opg', 'cls', 'ioc', 'fok'] as const satisfies readonly TimeInForce[];
export const ORDER_CLASSES = ['simple', 'bracket', 'oco', 'oto'] as const satisfies readonly OrderClass[];

/** Alpaca's order statuses (all of them, so adapters can pass any through). */
export const ORDER_STATUSES = [
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'canceled',
  'expired',
  'replaced',
  'pending_cancel',
  'pending_replace',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'stopped',
  'rejected',
  'suspended',
  'calculated',
  'held',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const OPEN_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'new',
  'partially_filled',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'held',
  'pending_cancel',
  'pending_replace',
  'done_for_day',
  'calculated',
]);

export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderType;
  time_in_force: TimeInForce;
  client_order_id: string;
  /** Shares (fractional allowed for market day orders); exactly one of qty and notional. */
  qty?: number;
  /** Dollars (market day orders only). */
  notional?: number;
  limit_price?: number;
  stop_price?: number;
  trail_price?: number;
  trail_percent?: number;
  extended_hours?: boolean;
  order_class?: OrderClass;
  take_profit?: { limit_price: number };
  stop_loss?: { stop_price: number; limit_price?: number };
}

export interface Order {
  id: string;
  client_order_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  time_in_force: TimeInForce;
  /** Shares ordered; for a notional order, 0 until it fills (then the shares bought or sold). */
  qty: number;
  filled_qty: number;
  filled_avg_price: number | null;
  status: OrderStatus;
  created_at: string;
  submitted_at: string;
  updated_at: string;
  filled_at: string | null;
  expired_at: string | null;
  canceled_at: string | null;
  /** Commission charged on the fill (the local engine; Alpaca charges none). */
  commission: number;
  // The fields below are absent on orders from ledgers written before they existed (market orders).
  notional?: number | null;
  limit_price?: number | null;
  stop_price?: number | null;
  trail_price?: number | null;
  trail_percent?: number | null;
  /** Trailing stops: the best price seen since the order became active. */
  hwm?: number | null;
  order_class?: OrderClass;
  extended_hours?: boolean;
  /** Legs of a bracket/OCO/OTO: the parent's id and the leg's role. */
  parent_id?: string | null;
  leg_role?: LegRole | null;
  /** A parent's legs, in submission order. */
  leg_ids?: string[];
  replaces?: string | null;
  replaced_by?: string | null;
  replaced_at?: string | null;
  /** Stop-limit orders: when the stop was reached (the order then rests as a limit order). */
  triggered_at?: string | null;
}

export interface Position {
  symbol: string;
  qty: number;
  qty_available: number;
  avg_entry_price: number;
  cost_basis: number;
  current_price: number;
  lastday_price: number;
  market_value: number;
  unrealized_pl: number;
}

export interface Account {
  id: string;
  account_number: string;
  status: 'ACTIVE';
  currency: 'USD';
  cash: number;
  buying_power: number;
  equity: number;
  last_equity: number;
  long_market_value: number;
  multiplier: number;
  created_at: string;
  /** Buying power without margin (cash accounts: the same as buying_power). */
  non_marginable_buying_power?: number;
}

export interface MarketClock {
  timestamp: string;
  is_open: boolean;
  next_open: string;
  next_close: string;
}

/** Alpaca's account configurations (GET/PATCH /v2/account/configurations). */
export interface AccountConfig {
  dtbp_check: 'both' | 'entry' | 'exit';
  trade_confirm_email: 'all' | 'none';
  suspend_trade: boolean;
  no_shorting: boolean;
  fractional_trading: boolean;
  max_margin_multiplier: string;
  pdt_check: 'both' | 'entry' | 'exit';
  ptp_no_exception_entry: boolean;
  max_options_trading_level: number;
}

export const DEFAULT_ACCOUNT_CONFIG: Readonly<AccountConfig> = Object.freeze({
  dtbp_check: 'entry',
  trade_confirm_email: 'all',
  suspend_trade: false,
  no_shorting: true,
  fractional_trading: true,
  max_margin_multiplier: '1',
  pdt_check: 'entry',
  ptp_no_exception_entry: false,
  max_options_trading_level: 0,
});

/** One execution, as the account activities (FILL) report it. */
export interface Fill {
  orderId: string;
  symbol: string;
  side: Side;
  at: string;
  /** `at` as epoch milliseconds (parsed once). */
  atMs: number;
  qty: number;
  price: number;
  commission: number;
  /** 1-based position among the account's fills. */
  seq: number;
}
