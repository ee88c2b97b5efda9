/**
 * The feature registry: every family a feature spec can name, built-ins first (in column order, see
 * indicators/index.ts), then plug-ins added with `registerFeature` (a team's module, loaded from
 * `features.custom`). Plans and matrices iterate it; nothing lists the families by hand elsewhere.
 */
import type { BarFeatureFactory, DerivedFeatureFactory, FeatureFactory } from './factory.ts';
import { BUILT_IN_FEATURES } from './indicators/index.ts';

/** Keys the feature spec uses for something other than a family. */
const RESERVED_KEYS = new Set(['alphavantage', 'custom']);

export class FeatureRegistryError extends Error {}

export class FeatureRegistry {
  private readonly factories = new Map<string, FeatureFactory>();
  private readonly sealed: boolean;

  constructor(factories: readonly FeatureFactory[] = [], opts: { sealed?: boolean } = {}) {
    for (const f of factories) this.register(f);
    this.sealed = opts.sealed ?? false;
  }

  /** Adds a family; its key becomes a `features:` key. Registering the same factory twice is a no-op. */
  register(factory: FeatureFactory): void {
    const { key } = factory;
    if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new FeatureRegistryError(`feature key "${key}": expected lower-case letters, digits and _, starting with a letter`);
    if (RESERVED_KEYS.has(key)) throw new FeatureRegistryError(`feature key "${key}" is reserved`);
    const had = this.factories.get(key);
    if (had === factory) return;
    if (this.sealed) throw new FeatureRegistryError(`feature key "${key}": this registry is fixed (register plug-ins in featureRegistry)`);
    if (had) throw new FeatureRegistryError(`feature key "${key}" is already registered`);
    this.factories.set(key, factory);
  }

  get(key: string): FeatureFactory | undefined {
    return this.factories.get(key);
  }

  /** Every family, in registration order. */
  list(): FeatureFactory[] {
    return [...this.factories.values()];
  }

  /** Families computed from bars, in column order. */
  barFactories(): BarFeatureFactory[] {
    return this.list().filter((f): f is BarFeatureFactory => f.kind !== 'derived');
  }

  /** Families computed from other columns (after the bar and external columns), in column order. */
  derivedFactories(): DerivedFeatureFactory[] {
    return this.list().filter((f): f is DerivedFeatureFactory => f.kind === 'derived');
  }
}

/** The built-in families only (fixed). */
export const builtInFeatures: FeatureRegistry = new FeatureRegistry(BUILT_IN_FEATURES, { sealed: true });

/** The registry plans and matrices use unless told otherwise: the built-ins plus registered plug-ins. */
export const featureRegistry: FeatureRegistry = new FeatureRegistry(BUILT_IN_FEATURES);

/** A plug-in family joins the default registry (a factory without `batch` is computed by streaming). */
export function registerFeature(factory: FeatureFactory, registry: FeatureRegistry = featureRegistry): void {
  registry.register(factory);
}
