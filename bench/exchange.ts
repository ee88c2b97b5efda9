/**
 * `npm run bench:exchange`: `arena exchange` under a bounded loopback load (≈20 s), as a class of
 * teams would use it. The exchange runs in its own process (the real CLI, on a replay clock held
 * before the open, so every order stays open and accounts pile up open orders); this process is
 * the load generator: one keep-alive connection per account, each account submitting market
 * orders back to back and reading its open orders every fifth request.
 *
 * Prints per phase (1, 10 and 100 accounts): accepted orders/s, order latency p50/p99, the
 * open-orders read's p50/p99, the server's CPU seconds and RSS, and this client's CPU seconds
 * (so a saturated client is visible). Then it checks that every account's ledger holds exactly the
 * acknowledged orders, and again after a kill -9 of the exchange in the middle of a 100-account load
 * (acknowledged ⊆ ledger ⊆ acknowledged ∪ in flight at the kill), restarted on the same --state.
 *
 * BENCH_EXCHANGE_SCALE=0.5 halves every phase (a quick look); the figures are never asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAINING_NODE_FLAGS } from '../src/core/paths.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'arena.mjs');
const SCALE = Number(process.env.BENCH_EXCHANGE_SCALE ?? 1);
/**
 * Back to back: the most the exchange does (each account waits for its answer before the next
 * request, so latency = accounts / throughput). Paced: 100 accounts together at PACED_RATE orders/s
 * (a class trading at the target rate), the latency each order sees.
 */
const PHASES: { accounts: number; seconds: number; paced?: number }[] = [
  { accounts: 1, seconds: 3 * SCALE },
  { accounts: 10, seconds: 3 * SCALE },
  { accounts: 100, seconds: 4 * SCALE },
  { accounts: 100, seconds: 8 * SCALE, paced: 1000 },
];
const CLK_TCK = 100;

interface Key {
  key_id: string;
  secret_key: string;
}

interface Exchange {
  proc: ChildProcess;
  url: URL;
  exited: Promise<void>;
}

async function startExchange(state: string, accountsFile: string): Promise<Exchange> {
  // The image's V8 flags (docker/Dockerfile NODE_OPTIONS), as the exchange runs in compose and Kubernetes.
  const proc = spawn(process.execPath, [...TRAINING_NODE_FLAGS, BIN, 'exchange', '--port', '0', '--replay-from', '2017-11-08', '--state', state, '--accounts', accountsFile, '--starting-cash', '1000000000'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ARENA_ADMIN_TOKEN: '' } });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /exchange on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(new URL(m[1] as string));
    });
    proc.once('exit', (code) => reject(new Error(`exchange exited (${code}): ${err}${out}`)));
  });
  return { proc, url, exited };
}

/** utime + stime of a process, in seconds, and its current and peak RSS in MB (Linux /proc). */
function procStats(pid: number): { cpu: number; rss: number; peak: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { cpu, rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/**
 * A minimal keep-alive HTTP/1.1 client on one socket per account, autocannon-style: requests are
 * written as bytes and answers are read by Content-Length (the exchange always sends it). Written by
 * hand because the load generator must not be the bottleneck: node:http's client costs ~250 µs of
 * CPU per request here, this one a small fraction of that (the bench prints its CPU).
 */
class Conn {
  private readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiting: { resolve: (r: { status: number; body: string }) => void; reject: (e: Error) => void } | null = null;
  private readonly ready: Promise<void>;

  constructor(url: URL, private readonly auth: string) {
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.parse();
    });
    const fail = () => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(new Error('connection closed'));
    };
    this.socket.on('error', fail);
    this.socket.on('close', fail);
  }

  private parse(): void {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0 || !this.waiting) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buf.length < end + 4 + len) return;
    const body = this.buf.subarray(end + 4, end + 4 + len).toString('utf8');
    this.buf = this.buf.subarray(end + 4 + len);
    const w = this.waiting;
    this.waiting = null;
    w.resolve({ status: Number(head.slice(9, 12)), body });
  }

  async request(method: string, p: string, body?: string): Promise<{ status: number; body: string }> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      const b = body ?? '';
      this.socket.write(`${method} ${p} HTTP/1.1\r\nhost: x\r\n${this.auth}${b ? `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(b)}\r\n` : ''}\r\n${b}`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

const connFor = (url: URL, key: Key) => new Conn(url, `apca-api-key-id: ${key.key_id}\r\napca-api-secret-key: ${key.secret_key}\r\n`);

interface LoadResult {
  accepted: number;
  refused: number;
  failed: number;
  orderMs: number[];
  readMs: number[];
  /** client_order_ids acknowledged (HTTP 200), and those in flight when the load stopped or failed. */
  acked: Set<string>;
  inflight: Set<string>;
}

/** Each account: submit a market order, every fifth request read its open orders instead; until `stop()`. */
/**
 * Each account: submit a market order, every fifth request read its open orders instead; until
 * `until()`. Saturated (`ratePerSecond` absent): back to back. Paced: the accounts together send
 * `ratePerSecond` requests a second on a fixed schedule, and a latency counts from the time a request
 * was due, not sent (a late answer delays the next request: that wait is part of its latency).
 */
async function load(url: URL, keys: Key[], prefix: string, until: () => boolean, ratePerSecond?: number): Promise<LoadResult> {
  const r: LoadResult = { accepted: 0, refused: 0, failed: 0, orderMs: [], readMs: [], acked: new Set(), inflight: new Set() };
  const start = performance.now() + 50;
  const every = ratePerSecond ? (keys.length * 1000) / ratePerSecond : 0;
  await Promise.all(
    keys.map(async (key, a) => {
      const conn = connFor(url, key);
      try {
        for (let i = 0; !until(); i++) {
          let t0 = performance.now();
          if (every) {
            const due = start + (a / keys.length) * every + i * every;
            if (due > t0) await new Promise((res) => setTimeout(res, due - t0));
            t0 = due;
            if (until()) break;
          }
          if (i % 5 === 4) {
            await conn.request('GET', '/v2/orders?status=open&limit=50');
            r.readMs.push(performance.now() - t0);
            continue;
          }
          const coid = `${prefix}-${a}-${i}`;
          r.inflight.add(coid);
          const res = await conn.request('POST', '/v2/orders', JSON.stringify({ symbol: 'MSFT', qty: '1', side: 'buy', type: 'market', time_in_force: 'day', client_order_id: coid }));
          r.inflight.delete(coid);
          if (res.status === 200) {
            r.accepted++;
            r.acked.add(coid);
            r.orderMs.push(performance.now() - t0);
          } else r.refused++;
        }
      } catch {
        r.failed++; // the exchange went away (the kill -9 phase): the order in flight stays "in flight"
      } finally {
        conn.close();
      }
    }),
  );
  return r;
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

/** client_order_ids of the orders each ledger file holds (complete lines only: a torn tail was never acknowledged). */
function ledgerOrders(state: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of readdirSync(state).filter((n) => /^account-.*\.jsonl$/.test(n))) {
    const set = new Set<string>();
    for (const line of readFileSync(path.join(state, f), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const e = JSON.parse(line) as { type: string; order?: { client_order_id: string } };
        if (e.type === 'submitted' && e.order) set.add(e.order.client_order_id);
      } catch {
        // torn last line
      }
    }
    out.set(f, set);
  }
  return out;
}

/** Groups a ledger's orders by the bench account that sent them (`<prefix>-<account>-<n>`). */
function byAccount(ledgers: Map<string, Set<string>>): Map<string, { files: Set<string>; coids: Set<string> }> {
  const out = new Map<string, { files: Set<string>; coids: Set<string> }>();
  for (const [file, coids] of ledgers)
    for (const c of coids) {
      const acct = c.slice(0, c.lastIndexOf('-'));
      const e = out.get(acct) ?? { files: new Set(), coids: new Set() };
      e.files.add(file);
      e.coids.add(c);
      out.set(acct, e);
    }
  return out;
}

function keysFor(prefix: string, n: number): Key[] {
  return Array.from({ length: n }, (_, i) => ({ key_id: `PK${prefix.toUpperCase()}${i}`, secret_key: `bench-secret-${prefix}-${i}` }));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'arena-bench-exchange-'));
  const allKeys = PHASES.flatMap((p, k) => (p.paced ? [] : keysFor(`p${k}`, p.accounts)));
  const killKeys = keysFor('kill', 100);
  const accountsFile = path.join(dir, 'accounts.json');
  writeFileSync(accountsFile, JSON.stringify([...allKeys, ...killKeys]));
  const state = path.join(dir, 'state');
  const ex = await startExchange(state, accountsFile);
  const pid = ex.proc.pid as number;
  const load1 = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`arena exchange bench: node ${process.version}, ${(await import('node:os')).cpus().length} CPUs, load average before: ${load1}; exchange pid ${pid} on ${ex.url.origin}`);
  console.log('accounts  load            orders/s  order p50 ms  order p99 ms  read p50/p99 ms  refused  open orders/account  server CPU s  server RSS MB (peak)  client CPU s');
  const acked = new Set<string>();
  const open = new Map<number, number>(); // every order stays open: the clock is held before the open
  for (const [k, phase] of PHASES.entries()) {
    // The paced phase continues on the accounts of the back-to-back one before it (they hold its open orders).
    const set = phase.paced ? k - 1 : k;
    const keys = keysFor(`p${set}`, phase.accounts);
    const s0 = procStats(pid);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + phase.seconds * 1000;
    // 4 requests in 5 are orders: the request rate is 5/4 of the order rate.
    const r = await load(ex.url, keys, `p${k}`, () => performance.now() >= end, phase.paced ? (phase.paced * 5) / 4 : undefined);
    const secs = (performance.now() - t0) / 1000;
    const s1 = procStats(pid);
    const c1 = process.cpuUsage(c0);
    for (const c of r.acked) acked.add(c);
    open.set(set, (open.get(set) ?? 0) + r.accepted);
    console.log(
      [
        String(phase.accounts).padStart(8),
        (phase.paced ? `paced ${phase.paced}/s` : 'back to back').padEnd(14),
        (r.accepted / secs).toFixed(0).padStart(8),
        pct(r.orderMs, 50).toFixed(2).padStart(12),
        pct(r.orderMs, 99).toFixed(2).padStart(12),
        `${pct(r.readMs, 50).toFixed(2)}/${pct(r.readMs, 99).toFixed(2)}`.padStart(15),
        String(r.refused + r.failed).padStart(7),
        String(Math.round((open.get(set) ?? 0) / phase.accounts)).padStart(19),
        (s1.cpu - s0.cpu).toFixed(1).padStart(12),
        `${s1.rss.toFixed(0)} (${s1.peak.toFixed(0)})`.padStart(20),
        ((c1.user + c1.system) / 1e6).toFixed(1).padStart(12),
      ].join('  '),
    );
  }
  // Every ledger holds exactly the acknowledged orders (nothing was in flight: every load finished).
  const grouped = byAccount(ledgerOrders(state));
  let mismatches = 0;
  for (const [k, phase] of PHASES.entries())
    for (let a = 0; a < phase.accounts; a++) {
      const name = `p${k}-${a}`;
      const want = [...acked].filter((c) => c.startsWith(`${name}-`));
      const got = grouped.get(name);
      if (!got || got.files.size !== 1 || got.coids.size !== want.length || want.some((c) => !got.coids.has(c))) mismatches++;
    }
  console.log(`ledgers: ${acked.size} acknowledged orders, ${[...grouped.values()].reduce((n, g) => n + g.coids.size, 0)} in the ledgers; accounts whose ledger differs from what was acknowledged: ${mismatches}`);

  // kill -9 in the middle of a 100-account load, then a restart on the same state.
  const t0 = performance.now();
  let killed = false;
  const running = load(ex.url, killKeys, 'kill', () => killed || performance.now() - t0 > 60_000);
  await new Promise((r) => setTimeout(r, 1500 * Math.max(SCALE, 0.5)));
  ex.proc.kill('SIGKILL');
  const killedAfter = (performance.now() - t0) / 1000;
  killed = true;
  const k = await running;
  await ex.exited;
  const again = await startExchange(state, accountsFile);
  // Opening each account loads its ledger (the journal was replayed into the ledgers at startup).
  const apiCounts: number[] = [];
  for (const key of killKeys) {
    const conn = connFor(again.url, key);
    const res = await conn.request('GET', '/v2/orders?status=all&limit=500');
    conn.close();
    apiCounts.push((JSON.parse(res.body) as unknown[]).length);
  }
  const after = byAccount(ledgerOrders(state));
  let lost = 0;
  let unexplained = 0;
  let inflightKept = 0;
  let apiMismatch = 0;
  for (let a = 0; a < 100; a++) {
    const got = after.get(`kill-${a}`)?.coids ?? new Set<string>();
    for (const c of k.acked) if (c.startsWith(`kill-${a}-`) && !got.has(c)) lost++;
    for (const c of got) {
      if (k.acked.has(c)) continue;
      if (k.inflight.has(c)) inflightKept++;
      else unexplained++;
    }
    if (apiCounts[a] !== Math.min(500, got.size)) apiMismatch++;
  }
  console.log(`kill -9 after ${killedAfter.toFixed(1)} s of a 100-account load: ${k.accepted} acknowledged, ${k.inflight.size} in flight at the kill; after the restart: ${lost} acknowledged orders missing, ${inflightKept} in-flight orders kept (durable, never acknowledged), ${unexplained} unexplained; the API lists what the ledgers hold for ${100 - apiMismatch}/100 accounts`);
  again.proc.kill('SIGTERM');
  await again.exited;
}

await main();
