/** The coordinator's live server: read-only, confined to its reports folder, and no request can end it. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from './live-server.ts';
import type { LiveSnapshot } from './standings.ts';

const snapshot: LiveSnapshot = { name: 'class <b>', from: '2017-10-16', to: '2017-11-10', done: 0, total: 20, day: null, finished: false, benchmark: { name: 'SPX buy & hold', total_return: null, curve: [] }, teams: [], generated_at: '2017-10-16T00:00:00Z' };

/** One raw HTTP/1.1 request (fetch refuses to send a malformed target); the status code answered. */
function rawStatus(port: number, requestLine: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0)));
    s.on('error', reject);
  });
}

describe('the live leaderboard server', () => {
  let live: LiveServer;
  let port: number;
  beforeAll(async () => {
    const reports = mkdtempSync(path.join(tmpdir(), 'arena-live-'));
    mkdirSync(path.join(reports, 'red'));
    writeFileSync(path.join(reports, 'red', 'trading.html'), '<p>red</p>');
    writeFileSync(path.join(tmpdir(), 'arena-live-outside.txt'), 'outside');
    symlinkSync(path.join(tmpdir(), 'arena-live-outside.txt'), path.join(reports, 'red', 'link.html'));
    live = await startLiveServer({ host: '127.0.0.1', port: 0, reportsDir: reports, initial: snapshot });
    port = Number(new URL(live.url).port);
  });
  afterAll(() => live.close());

  it('serves the page (the name as text), the standings and the reports', async () => {
    const page = await (await fetch(live.url)).text();
    expect(page).toContain('class &lt;b&gt;: live leaderboard');
    expect(((await (await fetch(`${live.url}live.json`)).json()) as LiveSnapshot).total).toBe(20);
    const r = await fetch(`${live.url}reports/red/trading.html`);
    expect([r.status, await r.text()]).toEqual([200, '<p>red</p>']);
  });

  it('refuses what leaves the reports folder, a symbolic link included', async () => {
    expect((await fetch(`${live.url}reports/red/link.html`)).status).toBe(403);
    // The URL parser takes the dots away: /etc/passwd is no route at all.
    expect(await rawStatus(port, 'GET /reports/../../etc/passwd HTTP/1.1')).toBe(404);
    expect((await fetch(`${live.url}reports/..%2f..%2fetc%2fpasswd`)).status).toBe(403);
    expect((await fetch(`${live.url}reports/red/none.html`)).status).toBe(404);
    expect((await fetch(live.url, { method: 'POST' })).status).toBe(405);
  });

  it('a malformed request is answered 400 and the server lives on', async () => {
    expect(await rawStatus(port, 'GET /reports/%ff HTTP/1.1')).toBe(400);
    expect(await rawStatus(port, 'GET http://[zz/ HTTP/1.1')).toBe(400);
    expect((await fetch(`${live.url}live.json`)).status).toBe(200);
  });
});
