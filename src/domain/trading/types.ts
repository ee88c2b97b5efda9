/**
 * Broker-side domain types. Numbers here; the Alpaca adapter and the exchange server convert to
 * and from Alpaca's decimal strings at the edge.
 */
export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
export type TimeInForce = 'day' | 'gtc' | 'opg' | 'cls' | 'ioc' | 'fok';

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
  qty: number;
  side: Side;
  type: 'market';
  time_in_force: TimeInForce;
  client_order_id: string;
}

export interface Order {
  id: string;
  client_order_id: string;
  symbol: string;
  side: Side;
  type: OrderType;
  time_in_force: TimeInForce;
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
}

export interface MarketClock {
  timestamp: string;
  is_open: boolean;
  next_open: string;
  next_close: string;
}


