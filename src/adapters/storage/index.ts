/**
 * The ArtifactStore adapters: `fs` (files under the team workspace, the embedded default) and
 * `minio` (npm `minio`, one bucket per kind), chosen by the team's `storage` config.
 */
import { UsageError } from '../../core/errors.ts';
import { FsArtifactStore } from './fs.ts';
import { MinioArtifactStore } from './minio.ts';
import type { ArtifactStore } from '../../ports.ts';

export { StorageError } from './errors.ts';
export { FsArtifactStore, keySegments } from './fs.ts';
export { MinioArtifactStore, type MinioStoreOptions } from './minio.ts';

/** The `storage` section of a team file (see storageSchema in src/config/schema.ts). */
export interface StorageConfig {
  kind: 'fs' | 'minio';
  endpoint?: string | undefined;
  bucket_prefix: string;
  region: string;
}

export interface StoreWiring {
  /** The fs store's root (the team workspace or its cache directory). */
  root: string;
  /** MinIO: buckets are `<bucket_prefix>-<team>-<kind>` when set, else `<bucket_prefix>-<kind>`. */
  team?: string;
  /** MinIO: overrides storage.endpoint (MINIO_ENDPOINT). */
  endpoint?: string;
  /** MinIO: MINIO_ACCESS_KEY / MINIO_SECRET_KEY from the secrets, never from YAML. */
  accessKey?: string;
  secretKey?: string;
  timeoutMs?: number;
}

export function createArtifactStore(cfg: StorageConfig, w: StoreWiring): ArtifactStore {
  if (cfg.kind === 'fs') return new FsArtifactStore(w.root);
  const endpoint = w.endpoint ?? cfg.endpoint;
  const missing = [!endpoint && 'storage.endpoint (or MINIO_ENDPOINT)', !w.accessKey && 'MINIO_ACCESS_KEY', !w.secretKey && 'MINIO_SECRET_KEY'].filter(Boolean);
  if (!endpoint || !w.accessKey || !w.secretKey)
    throw new UsageError(`storage.kind minio needs ${missing.join(', ')}`, { hint: 'set storage.endpoint in the team file (or MINIO_ENDPOINT) and the MinIO keys in .env.secrets or the environment' });
  return new MinioArtifactStore({
    endpoint,
    accessKey: w.accessKey,
    secretKey: w.secretKey,
    region: cfg.region,
    bucketPrefix: cfg.bucket_prefix,
    ...(w.team ? { team: w.team } : {}),
    ...(w.timeoutMs ? { timeoutMs: w.timeoutMs } : {}),
  });
}
