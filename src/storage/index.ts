import { UsageError } from '../core/errors.ts';
import { FsArtifactStore } from './fs.ts';
import type { ArtifactStore } from './types.ts';

export type { ArtifactStore } from './types.ts';
export { FsArtifactStore, StorageError } from './fs.ts';

export function createArtifactStore(cfg: { kind: 'fs' | 'minio'; endpoint?: string | undefined; bucket_prefix: string; region: string }, opts: { root: string }): ArtifactStore {
  if (cfg.kind === 'fs') return new FsArtifactStore(opts.root);
  throw new UsageError('storage.kind: minio is not available in this version; expected fs (DVC can still push to MinIO with versioning.dvc_remote: minio)');
}
