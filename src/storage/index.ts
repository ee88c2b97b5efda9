import { FsArtifactStore } from './fs.ts';
import { MinioArtifactStore } from './minio.ts';
import type { ArtifactStore } from './types.ts';

export type { ArtifactStore } from './types.ts';
export { FsArtifactStore, StorageError } from './fs.ts';
export { MinioArtifactStore } from './minio.ts';

export interface StoreWiring {
  /** The fs store's root (the team workspace). */
  root: string;
  team: string;
  /** MinIO only: MINIO_ENDPOINT wins over storage.endpoint; keys come from secrets. */
  endpoint?: string;
  accessKey?: string;
  secretKey?: string;
}

export function createArtifactStore(cfg: { kind: 'fs' | 'minio'; endpoint?: string | undefined; bucket_prefix: string; region: string }, w: StoreWiring): ArtifactStore {
  if (cfg.kind === 'fs') return new FsArtifactStore(w.root);
  const endpoint = w.endpoint ?? cfg.endpoint;
  if (!endpoint || !w.accessKey || !w.secretKey) throw new Error('storage.kind minio needs an endpoint and MINIO_ACCESS_KEY / MINIO_SECRET_KEY (checked when the config loads)');
  return new MinioArtifactStore({ endpoint, accessKey: w.accessKey, secretKey: w.secretKey, region: cfg.region, bucketPrefix: cfg.bucket_prefix, team: w.team });
}
