/** The MinIO ArtifactStore against the real server of scripts/services.sh. */
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MinioArtifactStore, StorageError } from '../../src/storage/index.ts';
import { needServices } from '../helpers/services.ts';

const env = needServices('MinIO', ['MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']);

describe.skipIf(!env)('MinioArtifactStore (real MinIO)', () => {
  const e = (env ?? {}) as Record<string, string>;
  const store = (over: Partial<ConstructorParameters<typeof MinioArtifactStore>[0]> = {}) =>
    new MinioArtifactStore({ endpoint: e.MINIO_ENDPOINT as string, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string, region: 'us-east-1', bucketPrefix: `st${Date.now().toString(36)}`, team: 'red', ...over });

  it('creates a bucket per team and kind, and round-trips bytes', { timeout: 60_000 }, async () => {
    const s = store();
    const bytes = new Uint8Array(Array.from({ length: 300_000 }, (_, i) => (i * 7) % 256));
    await s.put('models/v0001/weights.bin', bytes);
    await s.put('reports/2017-11-10/monitoring.html', '<html></html>');
    expect(Buffer.from((await s.get('models/v0001/weights.bin')) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    expect(await s.get('models/v0009/weights.bin')).toBeNull();
    expect(await s.exists('reports/2017-11-10/monitoring.html')).toBe(true);
    expect(await s.list('models/')).toEqual(['models/v0001/weights.bin']);
    await s.delete('models/v0001/weights.bin');
    expect(await s.exists('models/v0001/weights.bin')).toBe(false);
  });

  it('a dead endpoint gives a typed error naming endpoint and bucket, without the secret, in bounded time', { timeout: 60_000 }, async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const s = store({ endpoint: `http://127.0.0.1:${port}`, attempts: 2, timeoutMs: 3000 });
    const t0 = Date.now();
    const err = await s.put('data/AAPL.csv', 'x').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*bucket st[0-9a-z]+-red-data`));
    expect((err as Error).message).not.toContain(e.MINIO_SECRET_KEY as string);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
