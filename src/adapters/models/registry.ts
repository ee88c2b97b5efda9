/**
 * The model registry of one team (or one season): immutable version directories with a card that
 * carries metrics, data version, features, backend and code version, and a small index that
 * records which version is champion. A candidate becomes champion only through `decide` (the
 * gate) or a manual approval.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeFileAtomic } from '../../core/fsx.ts';
import { VERSION_STATUSES, type BackendResolver, type ModelFiles, type TrainedModel, type VersionStatus } from '../../domain/models/model.ts';
import { modelSpecSchema } from '../../domain/models/spec.ts';
import { gateVerdictSchema } from '../../domain/models/evaluate.ts';

export const versionStatus = z.enum(VERSION_STATUSES);
export type { VersionStatus };

const metricRecord = z.record(z.string(), z.number().nullable());

export const modelCardSchema = z.object({
  version: z.string(),
  /** Identifies what was trained (date, spec, data); registering the same key twice reuses the version. */
  key: z.string(),
  team: z.string(),
  created_at: z.string(),
  trained_for: z.string(),
  train_from: z.string(),
  train_to: z.string(),
  test_from: z.string().nullable(),
  test_to: z.string().nullable(),
  spec: z.unknown(),
  feature_columns: z.array(z.string()),
  backend: z.string(),
  /** Why that compute backend: the engine rule's words (absent on older cards). */
  backend_rule: z.string().optional(),
  data_version: z.string(),
  code_version: z.string(),
  reason: z.string(),
  metrics: metricRecord,
  baselines: z.record(z.string(), metricRecord),
  champion_metrics: metricRecord.nullable(),
  gate: gateVerdictSchema,
  training: z.object({ epochs_run: z.number(), best_epoch: z.number(), seconds: z.number(), samples: z.number(), history: z.array(z.object({ epoch: z.number(), loss: z.number(), val_loss: z.number().nullable() })) }),
  run_id: z.string().nullable(),
  /** Hyper-parameter search that chose this configuration (absent: no search configured). */
  search: z
    .object({
      metric: z.string(),
      best_trial: z.number(),
      fit_from: z.string(),
      fit_to: z.string(),
      validation_from: z.string(),
      validation_to: z.string(),
      trials: z.array(z.object({ trial: z.number(), rung: z.number(), epochs: z.number(), epochs_run: z.number(), params: z.record(z.string(), z.union([z.number(), z.string()])), score: z.number().nullable(), seconds: z.number(), run_id: z.string().nullable() })),
    })
    .optional(),
  /** Permutation feature importance on the walk-forward test fold(s) (absent on older cards). */
  importance: z
    .object({
      metric: z.enum(['mae', 'accuracy']),
      baseline: z.number().nullable(),
      repeats: z.number(),
      rows: z.number(),
      features: z.array(z.object({ feature: z.string(), mean: z.number(), std: z.number(), directional_accuracy_drop: z.number().nullable() })),
      notes: z.array(z.string()),
    })
    .nullable()
    .optional(),
  /** DVC md5 of the version directory once versioned (filled in the lineage record, not here). */
});
export type ModelCard = z.infer<typeof modelCardSchema>;

const indexSchema = z.object({
  champion: z.string().nullable(),
  versions: z.array(z.object({ version: z.string(), key: z.string(), status: versionStatus, created_at: z.string(), changed_at: z.string(), note: z.string().optional() })),
});
type RegistryIndex = z.infer<typeof indexSchema>;

export class RegistryError extends Error {}

const CARD_FILE = 'card.json';

export class ModelRegistry {
  private index: RegistryIndex | null = null;
  private readonly cache = new Map<string, TrainedModel>();

  /** `backendFor` picks the model family that reads a version's files back (by the card's spec). */
  constructor(
    readonly dir: string,
    private readonly backendFor: BackendResolver,
  ) {}

  private get indexFile(): string {
    return path.join(this.dir, 'registry.json');
  }

  versionDir(version: string): string {
    return path.join(this.dir, version);
  }

  private async load(): Promise<RegistryIndex> {
    this.index ??= (await readJsonFile(this.indexFile, (v) => indexSchema.parse(v))) ?? { champion: null, versions: [] };
    return this.index;
  }

  private async save(): Promise<void> {
    if (this.index) await writeFileAtomic(this.indexFile, JSON.stringify(this.index, null, 2) + '\n');
  }

  async list(): Promise<(RegistryIndex['versions'][number] & { card: ModelCard | null })[]> {
    const idx = await this.load();
    return Promise.all(idx.versions.map(async (v) => ({ ...v, card: await this.card(v.version) })));
  }

  async champion(): Promise<string | null> {
    return (await this.load()).champion;
  }

  async findByKey(key: string): Promise<string | null> {
    return (await this.load()).versions.find((v) => v.key === key)?.version ?? null;
  }

  async card(version: string): Promise<ModelCard | null> {
    return readJsonFile(path.join(this.versionDir(version), CARD_FILE), (v) => modelCardSchema.parse(v));
  }

  async status(version: string): Promise<VersionStatus | null> {
    return (await this.load()).versions.find((v) => v.version === version)?.status ?? null;
  }

  /**
   * Store a new immutable version (files first, index last, so a crash leaves either nothing
   * visible or a complete version). Re-registering the same key returns the existing version.
   */
  async register(model: TrainedModel, card: Omit<ModelCard, 'version'>, at: string): Promise<string> {
    const idx = await this.load();
    const existing = idx.versions.find((v) => v.key === card.key);
    if (existing) return existing.version;
    const version = `v${String(idx.versions.length + 1).padStart(4, '0')}`;
    const dir = this.versionDir(version);
    await fs.rm(dir, { recursive: true, force: true }); // a half-written directory from a killed run
    const files = await model.save();
    await fs.mkdir(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) {
      if (name === CARD_FILE || name.includes('/') || name.startsWith('.')) throw new RegistryError(`a model backend may not write ${JSON.stringify(name)}`);
      await writeFileAtomic(path.join(dir, name), bytes);
    }
    await writeFileAtomic(path.join(dir, CARD_FILE), JSON.stringify({ ...card, version }, null, 2) + '\n');
    idx.versions.push({ version, key: card.key, status: 'candidate', created_at: at, changed_at: at });
    await this.save();
    this.cache.set(version, model);
    return version;
  }

  async setStatus(version: string, status: VersionStatus, at: string, note?: string): Promise<void> {
    const idx = await this.load();
    const v = idx.versions.find((x) => x.version === version);
    if (!v) throw new RegistryError(`unknown model version ${version}`);
    if (status === 'champion') {
      for (const other of idx.versions) if (other.status === 'champion' && other.version !== version) Object.assign(other, { status: 'retired', changed_at: at });
      idx.champion = version;
    } else if (idx.champion === version) {
      idx.champion = null;
    }
    Object.assign(v, { status, changed_at: at, ...(note ? { note } : {}) });
    await this.save();
  }

  /** Manual approval: a pending (or rejected, by an explicit override) version becomes champion. */
  async approve(version: string, at: string): Promise<void> {
    const s = await this.status(version);
    if (s === null) throw new RegistryError(`unknown model version ${version}`);
    if (s === 'champion') return;
    if (s !== 'pending_approval' && s !== 'candidate' && s !== 'rejected' && s !== 'retired')
      throw new RegistryError(`version ${version} is ${s}; only pending, candidate, rejected or retired versions can be approved`);
    await this.setStatus(version, 'champion', at, 'approved by hand');
  }

  async loadVersion(version: string): Promise<TrainedModel> {
    const hit = this.cache.get(version);
    if (hit) return hit;
    const card = await this.card(version);
    if (!card) throw new RegistryError(`unknown model version ${version} (no ${CARD_FILE} in ${this.versionDir(version)})`);
    const spec = modelSpecSchema.parse(card.spec);
    const dir = this.versionDir(version);
    const files: ModelFiles = {};
    for (const name of (await fs.readdir(dir)).filter((n) => n !== CARD_FILE)) files[name] = new Uint8Array(await fs.readFile(path.join(dir, name)));
    const m = await this.backendFor(spec).load(files, { spec, columns: card.feature_columns });
    this.cache.set(version, m);
    return m;
  }
}
