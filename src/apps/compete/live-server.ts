/**
 * The coordinator's small HTTP server for people: `/` the live leaderboard page, `/live.json` the
 * standings, `/events` the same as server-sent events (one `snapshot` event per update, a comment
 * line every 15 s to keep proxies from closing the stream), and `/reports/…` the static reports
 * read-only. Read-only throughout; nothing here can move the competition.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { confinedFile } from '../http/api.ts';
import { renderLivePage } from './live-page.ts';
import type { LiveSnapshot } from './standings.ts';

export interface LiveServer {
  url: string;
  update(s: LiveSnapshot): void;
  /** Open event streams (tests). */
  readonly clients: number;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.json': 'application/json', '.png': 'image/png', '.css': 'text/css' };

export async function startLiveServer(o: { host: string; port: number; reportsDir: string; initial: LiveSnapshot }): Promise<LiveServer> {
  let snapshot = o.initial;
  const streams = new Set<ServerResponse>();
  const root = path.resolve(o.reportsDir);
  const server = createServer((req, res) => {
    // A malformed target (`GET http://[zz/`, `/reports/%ff`) is the client's error, never the coordinator's end.
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
    }
  });
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(renderLivePage(snapshot));
      return;
    }
    if (url.pathname === '/live.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(snapshot));
      return;
    }
    if (url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (url.pathname.startsWith('/reports/')) {
      const rel = decodeURIComponent(url.pathname.slice('/reports/'.length)) || 'index.html';
      // The daemon's rule: nothing that resolves outside the reports folder, symbolic links included.
      void confinedFile(root, rel).then(async (c) => {
        if ('error' in c) return void res.writeHead(c.error === 'outside' ? 403 : 404, { 'content-type': 'text/plain' }).end(c.error === 'outside' ? 'outside the reports directory' : 'no such report');
        const body = await readFile(c.file);
        res.writeHead(200, { 'content-type': TYPES[path.extname(c.file)] ?? 'application/octet-stream' }).end(body);
      }).catch(() => {
        if (!res.headersSent) res.writeHead(404, { 'content-type': 'text/plain' }).end('no such report');
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  };
  const heartbeat = setInterval(() => {
    for (const s of streams) s.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address() as { port: number };
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${addr.port}/`,
    update(s) {
      snapshot = s;
      const frame = `event: snapshot\ndata: ${JSON.stringify(s)}\n\n`;
      for (const r of streams) r.write(frame);
    },
    get clients() {
      return streams.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const s of streams) s.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
