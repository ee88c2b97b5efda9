/**
 * The MinIO store's failure paths, against local stand-ins that count the requests they get: the
 * number of attempts is the behaviour (a refused credential is never retried, a hang-up is retried
 * up to `attempts`), not how long it took. The real server is in tests/integration/storage-minio.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MinioArtifactStore, StorageError } from './minio.ts';

const SECRET = 'minio-unit-secret-0123456789';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An HTTP server on 127.0.0.1 that answers every request with `answer` and counts them. */
async function countingServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ endpoint: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    answer(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}

async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

// A long overall deadline: the retry decision must depend on the error, not on how busy the machine is.
const store = (endpoint: string, attempts: number) =>
  new MinioArtifactStore({ endpoint, accessKey: 'arena', secretKey: SECRET, region: 'us-east-1', bucketPrefix: 'unit', team: 'red', attempts, timeoutMs: 120_000 });

describe('MinioArtifactStore failures', () => {
  it('refused credentials (403): one request, no retry, a hint about the keys, no secret', async () => {
    const s3 = await countingServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>');
    });
    const err = await store(s3.endpoint, 4).put('data/AAPL.csv', 'x').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StorageError);
    expect(s3.requests).toEqual(['HEAD /unit-red-data']);
    expect((err as Error).message).toMatch(/^MinIO bucket check at http:\/\/127\.0\.0\.1:\d+, bucket unit-red-data, key data\/AAPL\.csv failed after 1 attempt: /);
    expect((err as StorageError).hint).toMatch(/MINIO_ACCESS_KEY \/ MINIO_SECRET_KEY/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it('a server that hangs up is retried until `attempts` requests were made, then says MinIO looks down', async () => {
    const s3 = await countingServer((req) => req.socket.destroy());
    const err = await store(s3.endpoint, 3).put('models/v0001/weights.bin', 'x').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StorageError);
    expect(s3.requests).toEqual(['HEAD /unit-red-models', 'HEAD /unit-red-models', 'HEAD /unit-red-models']);
    expect((err as Error).message).toMatch(/failed after 3 attempts: .*MinIO looks down or unreachable/);
    expect((err as StorageError).hint).toMatch(/MinIO runs/);
  });

  it('a dead endpoint: a typed error naming endpoint, bucket and key, after the configured attempts, without the secret', async () => {
    const port = await closedPort();
    const s = store(`http://127.0.0.1:${port}`, 2);
    const err = await s.put('data/AAPL.csv', 'x').catch((x: unknown) => x);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}, bucket unit-red-data, key data/AAPL\\.csv failed after 2 attempts: .*MinIO looks down or unreachable`));
    expect((err as StorageError).hint).toMatch(/MinIO runs/);
    expect((err as Error).message).not.toContain(SECRET);

    const got = await s.get('data/AAPL.csv').catch((x: unknown) => x);
    expect(got).toBeInstanceOf(StorageError);
    expect((got as Error).message).toMatch(/MinIO get at .*key data\/AAPL\.csv failed after 2 attempts/);
  });
});
