/**
 * What changed between two configs of a team, field by field ("model.trainer.epochs 25 → 40"), as
 * reports, logs and notifications say it; and whether the change reaches the model (features or
 * model spec), in which case the next model step retrains through the normal gate.
 */
import type { TeamConfig } from '../config/load.ts';

export interface ConfigChange {
  field: string;
  from: string;
  to: string;
}

const shown = (v: unknown): string => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));

function walk(a: unknown, b: unknown, prefix: string, out: ConfigChange[]): void {
  const plain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (plain(a) && plain(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[k], b[k], prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ field: prefix, from: shown(a), to: shown(b) });
}

/** The comparable part of a team config: the file's values, the strategy by kind and parameters, plug-ins by source digest. */
export function comparable(t: TeamConfig): Record<string, unknown> {
  const { file: _f, root: _r, strategyFile: _s, workspaceDir: _w, plugins, strategy, features, ...rest } = t;
  const modules = Object.fromEntries(plugins.modules.map((m) => [m.field, `${m.file.split('/').slice(-2).join('/')} sha256:${m.digest}`]));
  return { ...rest, features, strategy: { kind: strategy.kind, ...strategy.params }, ...(plugins.modules.length ? { modules } : {}) };
}

export function diffConfigs(before: TeamConfig, after: TeamConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  walk(comparable(before), comparable(after), '', out);
  return out;
}

/** Features, the model spec, or a model/feature plug-in's code changed: the champion may no longer fit. */
export function reachesModel(changes: readonly ConfigChange[]): boolean {
  return changes.some((c) => /^(features|model)(\.|$)/.test(c.field) || /^modules\.(model|features)/.test(c.field));
}

/** "model.trainer.epochs 25 → 40; strategy.qty 1 → 2" (long lists end with "and N more"). */
export function describeChanges(changes: readonly ConfigChange[], max = 6): string {
  if (!changes.length) return 'no field changed (only files it does not read)';
  const list = changes.slice(0, max).map((c) => `${c.field} ${c.from} → ${c.to}`);
  return list.join('; ') + (changes.length > max ? `; and ${changes.length - max} more` : '');
}
