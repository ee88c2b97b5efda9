/**
 * The ArtifactStore port. Keys are `/`-separated; the first segment is the kind
 * (`data`, `models`, `predictions`, `reports`, `cache`), which the MinIO adapter maps to a bucket.
 */
