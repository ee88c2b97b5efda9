/**
 * The ArtifactStore on MinIO (or any S3) through the `minio` client: one bucket per team and kind
 * (`<prefix>-<team>-<kind>`, the key's first segment), created when absent. Idempotent calls are
 * retried with backoff on network errors and 5xx; failures are typed and name endpoint and bucket.
 */
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { errorMessage } from '../core/errors.ts';
import { redact } from '../core/redact.ts';
import { isTransientNetworkError, withRetry } from '../core/retry.ts';
import { StorageError } from './fs.ts';
import type { ArtifactStore } from './types.ts';

export interface MinioStoreOptions {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  bucketPrefix: string;
  team: string;
  /** Per call, including retries. Default 30 s. */
  timeoutMs?: number;
  attempts?: number;
}

const KINDS = /^[a-z][a-z0-9-]{0,20}$/;

function transient(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number }; statusCode?: number }).statusCode;
  return isTransientNetworkError(err) || (status !== undefined && status >= 500) || /ECONNREFUSED|ECONNRESET|socket hang up|timed out/i.test(errorMessage(err));
}

export class MinioArtifactStore implements ArtifactStore {
  readonly kind = 'minio';
  private readonly client: Client;
  private readonly ready = new Map<string, Promise<void>>();

  constructor(private readonly opts: MinioStoreOptions) {
    const url = new URL(opts.endpoint);
    this.client = new Client({
      endPoint: url.hostname,
      port: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
      useSSL: url.protocol === 'https:',
      accessKey: opts.accessKey,
      secretKey: opts.secretKey,
      region: opts.region,
    });
  }

  private split(key: string): { bucket: string; object: string } {
    const [kind, ...rest] = key.split('/');
    if (!kind || !KINDS.test(kind) || rest.length === 0 || rest.some((p) => p === '' || p === '..'))
      throw new StorageError(`artifact key "${key}": expected <kind>/<path> such as models/v0001/model.json`);
    return { bucket: `${this.opts.bucketPrefix}-${this.opts.team}-${kind}`.slice(0, 63), object: rest.join('/') };
  }

  private async call<T>(what: string, bucket: string, fn: () => Promise<T>): Promise<T> {
    const deadline = this.opts.timeoutMs ?? 30_000;
    try {
      return await withRetry(
        () =>
          Promise.race([
            fn(),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${deadline} ms`)), deadline).unref()),
          ]),
        { attempts: this.opts.attempts ?? 4, baseMs: 250, maxMs: 4000, retryable: transient },
      );
    } catch (err) {
      throw new StorageError(redact(`MinIO ${what} failed at ${this.opts.endpoint}, bucket ${bucket}: ${errorMessage(err)}`), {
        cause: err,
        hint: 'check that MinIO runs (`arena doctor`), storage.endpoint / MINIO_ENDPOINT and the MINIO_* keys; artifacts stay in the workspace meanwhile',
      });
    }
  }

  private bucketReady(bucket: string): Promise<void> {
    let p = this.ready.get(bucket);
    if (!p) {
      p = this.call('bucket check', bucket, async () => {
        if (!(await this.client.bucketExists(bucket))) await this.client.makeBucket(bucket, this.opts.region).catch((err: { code?: string }) => {
          if (err.code !== 'BucketAlreadyOwnedByYou') throw err;
        });
      });
      p.catch(() => this.ready.delete(bucket));
      this.ready.set(bucket, p);
    }
    return p;
  }

  async put(key: string, body: Uint8Array | string): Promise<void> {
    const { bucket, object } = this.split(key);
    await this.bucketReady(bucket);
    const buf = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    // A stream with a known size is uploaded without buffering twice (multipart above the part size).
    await this.call(`put ${object}`, bucket, () => this.client.putObject(bucket, object, Readable.from([buf]), buf.length));
  }

  async get(key: string): Promise<Uint8Array | null> {
    const { bucket, object } = this.split(key);
    await this.bucketReady(bucket);
    return this.call(`get ${object}`, bucket, async () => {
      try {
        const stream = await this.client.getObject(bucket, object);
        const chunks: Buffer[] = [];
        for await (const c of stream) chunks.push(c as Buffer);
        return new Uint8Array(Buffer.concat(chunks));
      } catch (err) {
        if ((err as { code?: string }).code === 'NoSuchKey') return null;
        throw err;
      }
    });
  }

  async exists(key: string): Promise<boolean> {
    const { bucket, object } = this.split(key);
    await this.bucketReady(bucket);
    return this.call(`stat ${object}`, bucket, async () => {
      try {
        await this.client.statObject(bucket, object);
        return true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'NotFound' || code === 'NoSuchKey') return false;
        throw err;
      }
    });
  }

  async list(prefix: string): Promise<string[]> {
    const [kind, ...rest] = prefix.split('/');
    const { bucket } = this.split(`${kind}/x`);
    await this.bucketReady(bucket);
    const objPrefix = rest.join('/');
    return this.call(`list ${prefix}`, bucket, async () => {
      const out: string[] = [];
      for await (const o of this.client.listObjectsV2(bucket, objPrefix, true)) if (o.name) out.push(`${kind}/${o.name}`);
      return out.sort();
    });
  }

  async delete(key: string): Promise<void> {
    const { bucket, object } = this.split(key);
    await this.bucketReady(bucket);
    await this.call(`delete ${object}`, bucket, () => this.client.removeObject(bucket, object));
  }
}
