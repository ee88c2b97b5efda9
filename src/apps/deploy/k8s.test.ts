/** `arena k8s`: manifests from the team files, validated against the Kubernetes schemas (kubernetes-models). */
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Namespace, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { loadTeams } from '../../config/load.ts';
import { loadEnv } from '../../config/env.ts';
import { k8sManifests } from './k8s.ts';
import { REPO_ROOT } from '../../testing/services.ts';

type Doc = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> } & Record<string, unknown>;
const MODELS: Record<string, new (d: never) => { validate(): void }> = { Namespace, Deployment, StatefulSet, PersistentVolumeClaim, Service } as never;

describe('arena k8s', () => {
  it('one StatefulSet (1 replica, its volume, /health probes, secrets by reference) and Service per team, the exchange; all schema-valid', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'arena-k8s-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(root, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(root, 'strategies'), { recursive: true });
    const files = ['teams/red.yml', 'teams/blue.yml'];
    const teams = await loadTeams(files, { root, secrets: loadEnv({ file: '/nonexistent', env: {} }) });
    const docs = k8sManifests(teams, files, { image: 'registry.example/paper-arena:1.0' }) as Doc[];
    for (const d of docs) {
      const Model = MODELS[d.kind];
      expect(Model, d.kind).toBeDefined();
      expect(() => new (Model as new (x: Doc) => { validate(): void })(d).validate(), `${d.kind} ${d.metadata.name}`).not.toThrow();
    }
    for (const [i, team] of teams.entries()) {
      const sts = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === `arena-${team.team}`) as Doc;
      const spec = sts.spec as { replicas: number; volumeClaimTemplates: unknown[]; template: { spec: { containers: { args: string[]; ports: { containerPort: number }[]; livenessProbe: { httpGet: { path: string; port: number } }; envFrom: unknown[]; env: { name: string; value: string }[] }[] } } };
      expect(spec.replicas).toBe(1);
      expect(spec.volumeClaimTemplates).toHaveLength(1);
      const c = spec.template.spec.containers[0];
      expect(c?.args.slice(0, 3)).toEqual(['run', '--team', files[i]]);
      expect(c?.ports[0]?.containerPort).toBe(team.server.port);
      expect(c?.livenessProbe.httpGet).toEqual({ path: '/health', port: team.server.port });
      expect(c?.envFrom).toEqual([{ secretRef: { name: 'arena-secrets' } }]);
      expect(c?.env.map((e) => e.name).filter((n) => /KEY|SECRET|TOKEN|PASSWORD/.test(n))).toEqual([]);
      expect(docs.some((d) => d.kind === 'Service' && d.metadata.name === `arena-${team.team}`)).toBe(true);
    }
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['arena-exchange']);
  });

  it('a class: each daemon follows its team branch (run --config-repo, the rules on main), the token from the Secret; all schema-valid', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'arena-k8s-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(root, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(root, 'strategies'), { recursive: true });
    const files = ['teams/red.yml', 'teams/blue.yml'];
    const teams = await loadTeams(files, { root, secrets: loadEnv({ file: '/nonexistent', env: {} }) });
    const repo = 'https://git.example/course/class.git';
    const branches = { red: { branch: 'red', path: 'teams/red.yml' }, blue: { branch: 'blue', path: 'teams/blue.yml' } };
    const docs = k8sManifests(teams, files, { follow: { repo, branches, rulesBranch: 'main' } }) as Doc[];
    for (const d of docs) expect(() => new (MODELS[d.kind] as new (x: Doc) => { validate(): void })(d).validate(), `${d.kind} ${d.metadata.name}`).not.toThrow();
    for (const team of teams) {
      const sts = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === `arena-${team.team}`) as Doc;
      const c = (sts.spec as { template: { spec: { containers: { args: string[]; envFrom: unknown[]; env: { name: string; value: string }[] }[] } } }).template.spec.containers[0];
      expect(c?.args.slice(0, 10)).toEqual(['run', '--config-repo', repo, '--branch', team.team, '--path', `teams/${team.team}.yml`, '--rules-branch', 'main', '--workspace']);
      expect(c?.args).not.toContain('--team');
      expect(c?.envFrom).toEqual([{ secretRef: { name: 'arena-secrets' } }]);
      expect(c?.env.map((e) => e.name).filter((n) => /KEY|SECRET|TOKEN|PASSWORD/.test(n))).toEqual([]);
    }
  });

  it('the schema check does catch a broken manifest', () => {
    expect(() => new StatefulSet({ metadata: { name: 'x' }, spec: { replicas: 'one' } } as never).validate()).toThrow();
  });
});
