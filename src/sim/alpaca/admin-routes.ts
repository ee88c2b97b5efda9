/**
 * The exchange's own endpoints: `/__admin/clock` (move a replay clock) and `/__admin/state`, for
 * the competition coordinator only: `Authorization: Bearer <token>`, where the token is the one
 * the exchange was started with (ARENA_ADMIN_TOKEN). Without a token they are refused: nobody can
 * move the market clock of an exchange that was not given one. `/healthz` is open (probes).
 */
import type { FastifyInstance } from 'fastify';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ReplayClock } from '../../adapters/clock.ts';
import { NY } from '../../domain/calendar/nyse.ts';
import { sameSecret } from './accounts.ts';
import type { ExchangeContext } from './context.ts';
import { HttpError } from './wire.ts';

export interface AdminOptions {
  token: string | undefined;
  /** Called after the clock moved (the exchange persists it). */
  onClockMoved(): Promise<void>;
}

export function registerAdminRoutes(app: FastifyInstance, ctx: ExchangeContext, opts: AdminOptions): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.url.startsWith('/__admin/')) return done();
    if (!opts.token) return done(new HttpError(403, { code: 40310000, message: 'admin endpoints are disabled: start the exchange with ARENA_ADMIN_TOKEN set' }));
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m || !sameSecret(m[1] as string, opts.token)) return done(new HttpError(401, { code: 40110000, message: 'admin endpoints need Authorization: Bearer <ARENA_ADMIN_TOKEN>' }));
    done();
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.post('/__admin/clock', async (req) => {
    if (!(ctx.clock instanceof ReplayClock)) throw new HttpError(409, { code: 40910000, message: 'the exchange runs on the wall clock' });
    const b = z.object({ to: z.string() }).safeParse(req.body);
    const to = b.success ? DateTime.fromISO(b.data.to, { zone: NY }) : null;
    if (!to?.isValid) throw new HttpError(400, { code: 40010000, message: 'expected {"to": "<ISO date-time>"}' });
    try {
      ctx.clock.advanceTo(to);
    } catch (err) {
      throw new HttpError(409, { code: 40910000, message: (err as Error).message });
    }
    await opts.onClockMoved();
    return { now: ctx.clock.now().toISO() };
  });

  app.get('/__admin/state', async () => ({ now: ctx.clock.now().toISO(), clock: ctx.clock.kind, accounts: ctx.registry.size, terms: ctx.registry.terms }));
}
