/**
 * A local webhook receiver for tests: one HTTP server, one behaviour per path — answer 200, fail with
 * a status a number of times first (optionally with Retry-After), answer 200 with the Teams
 * connector's throttling text, or hold the request forever (a dead webhook that never answers).
 * Records every request's path and JSON body.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'fail'; status: number; times: number; retryAfter?: string; body?: string }
  | { kind: 'teams-throttled'; times: number }
  | { kind: 'hang' };

export interface ReceivedRequest {
  path: string;
  body: unknown;
  headers: IncomingMessage['headers'];
}

export interface WebhookReceiver {
  origin: string;
  url(path: string): string;
  /** Requests that got an answer (or were held), in arrival order. */
  requests: ReceivedRequest[];
  /** Bodies delivered with a 2xx to `path` (the platform accepted them). */
  delivered(path: string): unknown[];
  /** Requests held open right now (the `hang` paths). */
  readonly held: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(behaviours: Record<string, Behaviour>): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const accepted: { path: string; body: unknown }[] = [];
  const counts = new Map<string, number>();
  const heldResponses = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      requests.push({ path, body, headers: req.headers });
      const b = behaviours[path] ?? { kind: 'ok' };
      const n = (counts.get(path) ?? 0) + 1;
      counts.set(path, n);
      if (b.kind === 'hang') {
        heldResponses.add(res);
        res.on('close', () => heldResponses.delete(res));
        return;
      }
      if (b.kind === 'fail' && n <= b.times) {
        res.writeHead(b.status, { 'content-type': 'application/json', ...(b.retryAfter ? { 'retry-after': b.retryAfter } : {}) });
        res.end(b.body ?? JSON.stringify({ message: 'failing on purpose' }));
        return;
      }
      if (b.kind === 'teams-throttled' && n <= b.times) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0');
        return;
      }
      accepted.push({ path, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(path.includes('discord') ? '' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    url: (p) => `${origin}${p}`,
    requests,
    delivered: (p) => accepted.filter((a) => a.path === p).map((a) => a.body),
    get held() {
      return heldResponses.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of heldResponses) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
