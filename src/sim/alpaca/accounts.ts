/**
 * The exchange's accounts: one PaperAccount per key pair, each with its own durable ledger in the
 * state directory, all on the same terms (starting cash, slippage, commission, margin) given once
 * to the exchange, so every team of a competition trades on equal terms.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SharedJournal } from '../../adapters/broker/ledger.ts';
import { PaperAccount } from '../../adapters/broker/paper-account.ts';
import type { Clock, PriceSource } from '../../ports.ts';
import { HttpError, uuidFrom } from './wire.ts';

/** The terms every account of one exchange trades on. */
export interface ExchangeTerms {
  startingCash: number;
  slippageBps: number;
  commissionPerShare: number;
  commissionMin: number;
  marginMultiplier: number;
}

export const DEFAULT_TERMS: Readonly<ExchangeTerms> = Object.freeze({ startingCash: 100_000, slippageBps: 5, commissionPerShare: 0, commissionMin: 0, marginMultiplier: 1 });

/** Allowed key pairs (`--accounts`). The terms are the exchange's, one for all: not per account. */
export const accountsFileSchema = z.array(
  z.strictObject({
    key_id: z.string().min(1),
    secret_key: z.string().min(1),
    name: z.string().optional(),
  }),
);
export type AccountsFile = z.infer<typeof accountsFileSchema>;

/** Which API a key pair is checked for: they refuse bad keys differently. */
export type KeyCheckedBy = 'trading' | 'data';

/** Bad keys as Alpaca answers them (PROTOCOLS.md): trading 401 `{"message":"unauthorized"}`, market data 403. */
const refused = (api: KeyCheckedBy) => (api === 'data' ? new HttpError(403, { message: 'forbidden' }) : new HttpError(401, { message: 'unauthorized' }));

/** Compares two secrets in constant time (their digests, so lengths do not leak either). */
export function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export interface RegistryOptions {
  stateDir: string;
  clock: Clock;
  prices: PriceSource;
  terms: ExchangeTerms;
  accounts?: AccountsFile;
}

export class AccountRegistry {
  private readonly allowed: Map<string, AccountsFile[number]> | null;
  /** By `key\0secret`: the account (opening it loads its ledger once). */
  private readonly open = new Map<string, Promise<{ account: PaperAccount; uuid: string }>>();

  private constructor(
    private readonly opts: RegistryOptions,
    private readonly journal: SharedJournal,
  ) {
    this.allowed = opts.accounts ? new Map(opts.accounts.map((a) => [a.key_id, a])) : null;
  }

  /** Opens the registry of a state directory (replaying its journal into the ledgers first). */
  static async open(opts: RegistryOptions): Promise<AccountRegistry> {
    return new AccountRegistry(opts, await SharedJournal.open(opts.stateDir));
  }

  get size(): number {
    return this.open.size;
  }

  get terms(): ExchangeTerms {
    return this.opts.terms;
  }

  /** Checks a key pair: with `--accounts` it must be listed with that secret; without, any non-empty pair opens an account. */
  authenticate(key: unknown, secret: unknown, api: KeyCheckedBy = 'trading'): { key: string; secret: string } {
    if (typeof key !== 'string' || typeof secret !== 'string' || !key || !secret) throw refused(api);
    // A pair already checked is found by its exact text; any other goes through the constant-time comparison.
    if (this.allowed && !this.open.has(`${key}\0${secret}`)) {
      const entry = this.allowed.get(key);
      if (!entry || !sameSecret(entry.secret_key, secret)) throw refused(api);
    }
    return { key, secret };
  }

  /** The account of a key pair, opened on first use. */
  account(key: string, secret: string): Promise<{ account: PaperAccount; uuid: string }> {
    const k = `${key}\0${secret}`;
    let entry = this.open.get(k);
    if (!entry) {
      // The secret is part of the identity: a known key with another secret is another account.
      const id = createHash('sha256').update(`${key}\0${secret}`).digest('hex').slice(0, 16);
      const uuid = uuidFrom(`account:${id}`);
      const t = this.opts.terms;
      const name = `account-${id}.jsonl`;
      entry = PaperAccount.open({
        ledgerFile: path.join(this.opts.stateDir, name),
        ledger: this.journal.ledger(name),
        accountId: uuid,
        clock: this.opts.clock,
        prices: this.opts.prices,
        startingCash: t.startingCash,
        slippageBps: t.slippageBps,
        commissionPerShare: t.commissionPerShare,
        commissionMin: t.commissionMin,
        multiplier: t.marginMultiplier,
      }).then((account) => ({ account, uuid }));
      entry.catch(() => this.open.delete(k));
      this.open.set(k, entry);
    }
    return entry;
  }

  async closeAll(): Promise<void> {
    for (const p of this.open.values()) await p.then((a) => a.account.close()).catch(() => undefined);
    await this.journal.close();
  }

  /**
   * The time of the latest event in any ledger of the state directory: a replay clock restarted on
   * the same state never starts behind what its ledgers already hold.
   */
  async latestLedgerMs(): Promise<number> {
    let names: string[];
    try {
      names = (await fs.readdir(this.opts.stateDir)).filter((n) => /^account-[0-9a-f]+\.jsonl$/.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return -Infinity;
      throw err;
    }
    let latest = -Infinity;
    for (const n of names) latest = Math.max(latest, await lastEventMs(path.join(this.opts.stateDir, n)));
    return latest;
  }
}

/** The `at` of a ledger's last complete line (read from its tail: ledgers only grow at the end). */
async function lastEventMs(file: string): Promise<number> {
  const h = await fs.open(file, 'r');
  try {
    const { size } = await h.stat();
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    await h.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const at = (JSON.parse(lines[i] as string) as { at?: unknown }).at;
        if (typeof at === 'string' && Number.isFinite(Date.parse(at))) return Date.parse(at);
      } catch {
        // a torn last line or a partial first one: keep looking
      }
    }
    return -Infinity;
  } finally {
    await h.close();
  }
}
