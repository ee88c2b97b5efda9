/**
 * The ArtifactStore port. Keys are `/`-separated; the first segment is the kind
 * (`data`, `models`, `predictions`, `reports`, `cache`), which the MinIO adapter maps to a bucket.
 */
export interface ArtifactStore {
  readonly kind: string;
  put(key: string, body: Uint8Array | string): Promise<void>;
  get(key: string): Promise<Uint8Array | null>;
  exists(key: string): Promise<boolean>;
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}
