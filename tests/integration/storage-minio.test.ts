/** The MinIO ArtifactStore against the real server of scripts/services.sh (127.0.0.1 only). */
import { createServer, request } from 'node:http';
import { Client } from 'minio';
import { afterAll, describe, expect, it } from 'vitest';
import { MinioArtifactStore, StorageError } from '../../src/adapters/storage/index.ts';
import { needServices } from '../../src/testing/services.ts';

const env = needServices('MinIO', ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']);

/** A pass-through HTTP proxy to MinIO that records every request it forwards (Host kept, so signatures hold). */
async function countingProxy(target: URL): Promise<{ endpoint: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const up = request({ host: target.hostname, port: Number(target.port), method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!env)('MinioArtifactStore (real MinIO)', () => {
  const e = (env ?? {}) as Record<string, string>;
  const url = new URL(e.MINIO_ENDPOINT ?? 'http://127.0.0.1:9');
  const admin = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string });
  let n = 0;
  const run = `st${Date.now().toString(36)}`;
  const prefix = () => `${run}${(n++).toString(36)}`;
  afterAll(async () => {
    // Best effort: remove the buckets this run created from the shared MinIO.
    for (const b of await admin.listBuckets().catch(() => [])) {
      if (!b.name.startsWith(run)) continue;
      const names: string[] = [];
      for await (const o of admin.listObjectsV2(b.name, '', true)) if (o.name) names.push(o.name);
      if (names.length) await admin.removeObjects(b.name, names).catch(() => undefined);
      await admin.removeBucket(b.name).catch(() => undefined);
    }
  });
  const store = (over: Partial<ConstructorParameters<typeof MinioArtifactStore>[0]> = {}) =>
    new MinioArtifactStore({ endpoint: e.MINIO_ENDPOINT as string, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string, region: 'us-east-1', bucketPrefix: prefix(), team: 'red', ...over });

  it('creates a bucket per team and kind, and round-trips bytes', { timeout: 60_000 }, async () => {
    const s = store();
    const bytes = new Uint8Array(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    await s.put('models/v0001/weights.bin', bytes);
    await s.put('reports/2017-11-10/monitoring.html', '<html></html>');
    await s.put('reports/2017-11-10/monitoring.html', '<html>v2</html>');
    expect(await admin.bucketExists(s.bucketFor('models'))).toBe(true);
    expect(s.bucketFor('models')).toMatch(/^st[0-9a-z]+-red-models$/);
    expect(Buffer.from((await s.get('models/v0001/weights.bin')) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.from((await s.get('reports/2017-11-10/monitoring.html')) as Uint8Array).toString()).toBe('<html>v2</html>');
    expect(await s.get('models/v0009/weights.bin')).toBeNull();
    expect(await s.exists('reports/2017-11-10/monitoring.html')).toBe(true);
    expect(await s.list('models/')).toEqual(['models/v0001/weights.bin']);
    expect(await s.list('reports/2017-11-10/m')).toEqual(['reports/2017-11-10/monitoring.html']);
    expect(await s.list('')).toEqual(['models/v0001/weights.bin', 'reports/2017-11-10/monitoring.html']);
    expect(await s.list('mod')).toEqual(['models/v0001/weights.bin']);
    await s.delete('models/v0001/weights.bin');
    await s.delete('models/v0001/weights.bin'); // idempotent
    expect(await s.exists('models/v0001/weights.bin')).toBe(false);
    expect(await s.list('models/')).toEqual([]);
  });

  it('reads of a kind never written create nothing; without a team the bucket is <prefix>-<kind>', { timeout: 60_000 }, async () => {
    const s = store({ team: undefined });
    expect(s.bucketFor('predictions')).toMatch(/^st[0-9a-z]+-predictions$/);
    expect(await s.get('predictions/2017-11-10.json')).toBeNull();
    expect(await s.exists('predictions/2017-11-10.json')).toBe(false);
    expect(await s.list('predictions/')).toEqual([]);
    await s.delete('predictions/2017-11-10.json');
    expect(await admin.bucketExists(s.bucketFor('predictions'))).toBe(false);
    await s.put('predictions/2017-11-10.json', '[]');
    expect(await s.list('predictions/')).toEqual(['predictions/2017-11-10.json']);
  });

  // Dead endpoints and hang-ups (no server needed) are in src/adapters/storage/minio.test.ts.
  it('wrong credentials fail at once: one request reaches MinIO, no retry, a hint about the keys', { timeout: 60_000 }, async () => {
    const wrong = `${e.MINIO_SECRET_KEY as string}-wrong`;
    const proxy = await countingProxy(url);
    try {
      const s = store({ endpoint: proxy.endpoint, secretKey: wrong });
      const err = await s.put('data/AAPL.csv', 'x').catch((x: unknown) => x);
      expect(err).toBeInstanceOf(StorageError);
      expect(proxy.requests).toEqual([expect.stringMatching(/^HEAD \/st[0-9a-z]+-red-data$/)]);
      expect((err as Error).message).toMatch(/after 1 attempt:/);
      expect((err as StorageError).hint).toMatch(/MINIO_ACCESS_KEY \/ MINIO_SECRET_KEY/);
      expect((err as Error).message).not.toContain(wrong);
    } finally {
      await proxy.close();
    }
  });

  it('refuses keys without a kind or with a bad kind', async () => {
    const s = store();
    await expect(s.put('AAPL.csv', 'x')).rejects.toThrow(/expected <kind>\/<path>/);
    await expect(s.put('Data/AAPL.csv', 'x')).rejects.toThrow(StorageError);
    await expect(s.put('data/../x', 'x')).rejects.toThrow(StorageError);
  });
});
