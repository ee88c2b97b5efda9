/**
 * The start-up cross-check of a team's journal and its local paper account's ledger. Each is durable
 * on its own, but a run trusts them together: the journal says which days are done (and with which
 * orders), the ledger says what the account did. When one was cut, torn or replaced, running on would
 * silently change a result (trading days again that the ledger already traded, or reporting orders
 * the account never had), so a mismatch is repaired when that is exact, or refused with what to do.
 *
 * - The ledger holds an order whose client_order_id no trade plan of the journal knows: the journal
 *   lost days (cut or replaced). Refused: replaying those days would trade them again.
 * - A trade record says an order was placed, and the ledger lacks it: the ledger lost its last
 *   write(s) (a torn line). When every such order is from the journal's last trade day, the trade
 *   and version records of that day are forgotten, so the trade step runs again from its journaled
 *   plan and places exactly those orders (looked up by client_order_id first, never twice). A gap
 *   further back is refused: later days were decided on an account that no longer exists.
 *
 * Only the local paper account has a ledger here; an Alpaca account is compared by `reconcile`.
 */
import path from 'node:path';
import { ArenaError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { LedgerEvent } from '../domain/trading/ledger-events.ts';
import type { TeamContext } from './context.ts';

export class IntegrityError extends ArenaError {}

/** What the local paper account exposes of its ledger (PaperAccount does). */
export interface LedgerHolder {
  ledgerEvents(): readonly LedgerEvent[];
}

export const hasLedger = (b: unknown): b is LedgerHolder => typeof (b as Partial<LedgerHolder> | null)?.ledgerEvents === 'function';

export interface IntegrityOutcome {
  checked: boolean;
  /** What was repaired, one sentence each (also logged as warnings). */
  repaired: string[];
}

/** A path as the user typed it: relative to the project root when inside it. */
const shown = (ctx: TeamContext, p: string): string => {
  const rel = path.relative(ctx.team.root, p);
  return rel && !rel.startsWith('..') ? rel : p;
};

/** What to do when the two files disagree, for this kind of workspace. */
function whatToDo(ctx: TeamContext, journalFile: string): string {
  if (ctx.options.scope !== 'live') {
    return `restore ${shown(ctx, journalFile)} from a copy, or remove the season folder ${shown(ctx, ctx.dirs.root)} to replay the season from its first day (a season is deterministic: it ends with the same result)`;
  }
  return `restore the journal from the workspace's git history (\`git -C ${ctx.team.workspaceDir} checkout -- ${path.relative(ctx.team.workspaceDir, journalFile)}\`); the ledger is the account's own record and is kept as it is`;
}

export async function checkJournalAndLedger(ctx: TeamContext, logger?: Logger): Promise<IntegrityOutcome> {
  const { journal, broker } = ctx.services;
  if (!hasLedger(broker)) return { checked: false, repaired: [] };
  await journal.load();
  const ledgerFile = shown(ctx, path.join(ctx.dirs.state, 'ledger.jsonl'));
  const journalFile = shown(ctx, journal.file);
  const team = ctx.team.team;

  const inLedger = new Map<string, string>(); // client_order_id → submitted at
  for (const e of broker.ledgerEvents()) if (e.type === 'submitted') inLedger.set(e.order.client_order_id, e.at);

  const planned = new Set<string>();
  for (const d of journal.datesWith('trade.plan')) for (const o of journal.get(d, 'trade.plan')?.orders ?? []) planned.add(o.client_order_id);
  const placed: { date: string; coid: string }[] = [];
  for (const d of journal.datesWith('trade')) {
    for (const o of journal.get(d, 'trade')?.orders ?? []) {
      planned.add(o.client_order_id);
      if (o.order_id !== null) placed.push({ date: d, coid: o.client_order_id });
    }
  }

  const unknown = [...inLedger].filter(([coid]) => !planned.has(coid));
  if (unknown.length) {
    const [coid, at] = unknown[0] as [string, string];
    const lastDay = journal.datesWith('trade').at(-1) ?? journal.datesWith('fetch').at(-1) ?? null;
    throw new IntegrityError(
      `${journalFile}: ${team}'s journal does not know ${unknown.length} order(s) that ${ledgerFile} holds (first: ${coid}, submitted ${at}); the journal ends ${lastDay ? `at ${lastDay}` : 'before any trading day'}, so it was cut or replaced, and running on would trade those days again`,
      { hint: whatToDo(ctx, journal.file) },
    );
  }

  const missing = placed.filter((p) => !inLedger.has(p.coid));
  if (!missing.length) return { checked: true, repaired: [] };
  const lastTradeDay = journal.datesWith('trade').at(-1) as string;
  const days = [...new Set(missing.map((m) => m.date))];
  if (days.length === 1 && days[0] === lastTradeDay) {
    await journal.forget([
      { date: lastTradeDay, step: 'trade' },
      { date: lastTradeDay, step: 'version' },
    ]);
    const note = `${ledgerFile} lacks ${missing.length} order(s) that ${team}'s trade step of ${lastTradeDay} placed (its last write was torn); that trade step runs again from its journaled plan and places them (${missing.map((m) => m.coid).join(', ')})`;
    logger?.warn(note, { team });
    return { checked: true, repaired: [note] };
  }
  throw new IntegrityError(
    `${ledgerFile}: ${team}'s ledger lacks ${missing.length} order(s) that the journal says were placed on ${days.join(', ')} (first: ${(missing[0] as { coid: string }).coid}); later days were decided on an account that is no longer on file`,
    {
      hint:
        ctx.options.scope !== 'live'
          ? `restore ${ledgerFile} from a copy, or remove the season folder ${shown(ctx, ctx.dirs.root)} to replay the season from its first day`
          : `restore the ledger from the workspace's git history (\`git -C ${ctx.team.workspaceDir} checkout -- ${path.relative(ctx.team.workspaceDir, ledgerFile)}\`)`,
    },
  );
}
