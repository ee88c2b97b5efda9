/**
 * The ArtifactStore on MinIO (or any S3) through the npm `minio` client (v8). The key's first segment
 * is the kind and picks the bucket: `<prefix>-<team>-<kind>` (or `<prefix>-<kind>` without a team),
 * created on the first write. Idempotent calls (all of them here: a PUT of the same bytes to the same
 * key is idempotent) are retried with backoff and jitter on network errors and 5xx, within one overall
 * deadline per call. Failures are StorageErrors naming endpoint, bucket and key, never the secret.
 */
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { errorMessage } from '../../core/errors.ts';
import { redact, registerSecretValue } from '../../core/redact.ts';
import { isTransientNetworkError, withRetry } from '../../core/retry.ts';
import { StorageError } from './errors.ts';
import { keySegments } from './fs.ts';
import type { ArtifactStore } from '../../ports.ts';

export { StorageError } from './errors.ts';

export interface MinioStoreOptions {
  /** `http://host:port` or `https://host[:port]`. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucketPrefix: string;
  /** When set, buckets are per team: `<prefix>-<team>-<kind>`. */
  team?: string;
  /** Overall deadline of one call, retries included. Default 30 s. */
  timeoutMs?: number;
  /** Attempts per call (first one included). Default 4. */
  attempts?: number;
}

const KIND = /^[a-z][a-z0-9-]{0,20}$/;
const BUCKET = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** S3 error codes worth another try (the 5xx family and throttling). */
const TRANSIENT_CODES = new Set(['InternalError', 'ServiceUnavailable', 'SlowDown', 'RequestTimeout', 'OperationTimedOut', 'XMinioServerNotInitialized', 'XMinioReadQuorum', 'XMinioWriteQuorum']);
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|no answer within/i;
const MISSING_OBJECT = new Set(['NoSuchKey', 'NotFound']);
const MISSING_BUCKET = 'NoSuchBucket';

class CallTimeout extends Error {}

function codeOf(err: unknown): string | undefined {
  const c = (err as { code?: unknown } | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

function transient(err: unknown): boolean {
  if (err instanceof CallTimeout || isTransientNetworkError(err)) return true;
  const code = codeOf(err);
  if (code && TRANSIENT_CODES.has(code)) return true;
  return UNREACHABLE.test(errorMessage(err));
}

function hintFor(err: unknown): string {
  const code = codeOf(err);
  if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch')
    return 'MinIO refused the credentials: check MINIO_ACCESS_KEY / MINIO_SECRET_KEY in .env.secrets or the environment';
  return 'check that MinIO runs and answers at storage.endpoint / MINIO_ENDPOINT (`arena doctor`; for tests `bash scripts/services.sh start`); artifacts stay in the workspace meanwhile and the call can simply be repeated';
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new StorageError(`MinIO endpoint ${JSON.stringify(endpoint)} is not a URL: expected http://host:port or https://host`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StorageError(`MinIO endpoint ${endpoint}: expected an http:// or https:// URL`);
  if (url.pathname !== '/' && url.pathname !== '') throw new StorageError(`MinIO endpoint ${endpoint}: expected no path (buckets come from storage.bucket_prefix)`);
  return url;
}

export class MinioArtifactStore implements ArtifactStore {
  readonly kind = 'minio';
  private readonly client: Client;
  private readonly endpoint: string;
  /** Buckets known to exist (created at most once per process). */
  private readonly ready = new Map<string, Promise<void>>();

  constructor(private readonly opts: MinioStoreOptions) {
    registerSecretValue(opts.secretKey);
    const url = parseEndpoint(opts.endpoint);
    this.endpoint = url.origin;
    this.client = new Client({
      endPoint: url.hostname,
      port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      useSSL: url.protocol === 'https:',
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      // A known region spares the client a GetBucketLocation round trip before each call.
      region: opts.region,
    });
  }

  /** The bucket of a kind, e.g. `arena-red-models`. */
  bucketFor(kind: string): string {
    if (!KIND.test(kind)) throw new StorageError(`artifact kind ${JSON.stringify(kind)}: expected a lower-case word such as data, models, predictions, reports or cache`);
    const bucket = [this.opts.bucketPrefix, this.opts.team, kind].filter(Boolean).join('-');
    if (!BUCKET.test(bucket))
      throw new StorageError(`bucket name ${JSON.stringify(bucket)} (storage.bucket_prefix, team, kind) is not a valid S3 bucket name: 3-63 characters, a-z 0-9 and "-", starting and ending with a letter or digit`);
    return bucket;
  }

  private split(key: string): { bucket: string; object: string } {
    const [kind, ...rest] = keySegments(key);
    if (rest.length === 0) throw new StorageError(`artifact key ${JSON.stringify(key)}: expected <kind>/<path> such as models/v0001/model.json`);
    return { bucket: this.bucketFor(kind as string), object: rest.join('/') };
  }

  private async call<T>(what: string, bucket: string, key: string | null, fn: () => Promise<T>): Promise<T> {
    const total = this.opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + total;
    let attempts = 0;
    try {
      return await withRetry(
        async () => {
          attempts++;
          const left = Math.max(1, deadline - Date.now());
          let timer: NodeJS.Timeout | undefined;
          try {
            return await Promise.race([
              fn(),
              new Promise<never>((_, reject) => {
                timer = setTimeout(() => reject(new CallTimeout(`no answer within ${total} ms`)), left);
                timer.unref();
              }),
            ]);
          } finally {
            clearTimeout(timer);
          }
        },
        { attempts: this.opts.attempts ?? 4, baseMs: 250, maxMs: 4000, retryable: (err) => transient(err) && Date.now() < deadline - 250 },
      );
    } catch (err) {
      const down = UNREACHABLE.test(errorMessage(err)) || err instanceof CallTimeout;
      const where = `MinIO ${what} at ${this.endpoint}, bucket ${bucket}${key ? `, key ${key}` : ''}`;
      const why = `${errorMessage(err)}${codeOf(err) && !errorMessage(err).includes(codeOf(err) as string) ? ` (${codeOf(err)})` : ''}`;
      const tail = down ? '; MinIO looks down or unreachable: start it or fix storage.endpoint / MINIO_ENDPOINT, the artifacts stay in the workspace meanwhile' : '';
      throw new StorageError(redact(`${where} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${why}${tail}`), { cause: err, hint: hintFor(err) });
    }
  }

  /** That `bucket` (a name of its own, e.g. a DVC remote's) exists: checked, created if missing. */
  ensureBucket(bucket: string): Promise<void> {
    if (!BUCKET.test(bucket)) return Promise.reject(new StorageError(`bucket name ${JSON.stringify(bucket)}: expected 3-63 lower-case letters, digits and -`));
    return this.bucketReady(bucket, '(bucket)');
  }

  /** Checks (and creates) the bucket once per process; `key` only names the call that needed it. */
  private bucketReady(bucket: string, key: string): Promise<void> {
    let p = this.ready.get(bucket);
    if (!p) {
      p = this.call('bucket check', bucket, key, async () => {
        if (await this.client.bucketExists(bucket)) return;
        await this.client.makeBucket(bucket, this.opts.region).catch((err: unknown) => {
          // Another writer created it in between: fine.
          if (codeOf(err) !== 'BucketAlreadyOwnedByYou' && codeOf(err) !== 'BucketAlreadyExists') throw err;
        });
      });
      // A failed check is retried by the next call rather than cached.
      p.catch(() => this.ready.delete(bucket));
      this.ready.set(bucket, p);
    }
    return p;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const { bucket, object } = this.split(key);
    await this.bucketReady(bucket, key);
    const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // A fresh stream per attempt; a known size lets the client upload without buffering twice.
    await this.call('put', bucket, key, () => this.client.putObject(bucket, object, Readable.from([buf]), buf.length));
  }

  async get(key: string): Promise<Uint8Array | null> {
    const { bucket, object } = this.split(key);
    return this.call('get', bucket, key, async () => {
      try {
        const stream = await this.client.getObject(bucket, object);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return new Uint8Array(Buffer.concat(chunks));
      } catch (err) {
        const code = codeOf(err);
        if ((code && MISSING_OBJECT.has(code)) || code === MISSING_BUCKET) return null;
        throw err;
      }
    });
  }

  async exists(key: string): Promise<boolean> {
    const { bucket, object } = this.split(key);
    return this.call('stat', bucket, key, async () => {
      try {
        await this.client.statObject(bucket, object);
        return true;
      } catch (err) {
        const code = codeOf(err);
        if ((code && MISSING_OBJECT.has(code)) || code === MISSING_BUCKET) return false;
        throw err;
      }
    });
  }

  /**
   * Keys starting with `prefix`, sorted. A prefix with a `/` reads one bucket; a bare prefix
   * (`''`, `mod`) looks at every bucket of this store (which needs the ListAllMyBuckets permission).
   */
  async list(prefix: string): Promise<string[]> {
    const slash = prefix.indexOf('/');
    if (slash >= 0) {
      const kind = prefix.slice(0, slash);
      return this.listKind(kind, prefix.slice(slash + 1));
    }
    const base = [this.opts.bucketPrefix, this.opts.team].filter(Boolean).join('-') + '-';
    const buckets = await this.call('list buckets', `${base}*`, null, () => this.client.listBuckets());
    const out: string[] = [];
    for (const b of buckets) {
      const kind = b.name.startsWith(base) ? b.name.slice(base.length) : '';
      if (!KIND.test(kind) || !kind.startsWith(prefix)) continue;
      out.push(...(await this.listKind(kind, '')));
    }
    return out.sort();
  }

  private async listKind(kind: string, objectPrefix: string): Promise<string[]> {
    const bucket = this.bucketFor(kind);
    return this.call('list', bucket, `${kind}/${objectPrefix}`, async () => {
      const out: string[] = [];
      try {
        for await (const o of this.client.listObjectsV2(bucket, objectPrefix, true)) if (o.name) out.push(`${kind}/${o.name}`);
      } catch (err) {
        if (codeOf(err) === MISSING_BUCKET) return [];
        throw err;
      }
      return out.sort();
    });
  }

  /** Removes the key; a missing key or bucket is not an error (idempotent). */
  async delete(key: string): Promise<void> {
    const { bucket, object } = this.split(key);
    await this.call('delete', bucket, key, async () => {
      try {
        await this.client.removeObject(bucket, object);
      } catch (err) {
        if (codeOf(err) !== MISSING_BUCKET) throw err;
      }
    });
  }
}
