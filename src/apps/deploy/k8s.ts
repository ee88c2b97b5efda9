/**
 * Kubernetes manifests generated from the team files, the settings compose uses: per team a
 * StatefulSet with one replica (a journal and a ledger have exactly one writer), a volume claim for
 * its workspace, a Service for its API and metrics; one exchange Deployment and Service. Secrets are
 * referenced from a Secret the operator creates from `.env.secrets` (never generated with values).
 * For a class, each daemon follows its team's branch of the class repository (`run --config-repo`).
 * Pure: team configs in, plain objects out (the CLI prints them as YAML).
 */
import type { TeamConfig } from '../../config/load.ts';

export interface K8sOptions {
  image: string;
  namespace: string;
  /** Name of the Secret created from `.env.secrets` (`kubectl create secret generic NAME --from-env-file=.env.secrets`). */
  secretName: string;
  /** Workspace volume size per team. */
  storage: string;
  /** MinIO endpoint inside the cluster. */
  minioEndpoint: string;
  /** A class: each daemon follows its team's branch of this repository (GIT_TOKEN from the Secret), the rules on `rulesBranch`. */
  follow?: { repo: string; branches: Record<string, { branch: string; path: string }>; rulesBranch: string };
}

export const K8S_DEFAULTS: K8sOptions = { image: 'paper-arena:latest', namespace: 'paper-arena', secretName: 'arena-secrets', storage: '5Gi', minioEndpoint: 'http://minio:9000' };

const EXCHANGE_PORT = 8490;
type Manifest = Record<string, unknown>;

function labels(component: string, team?: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'paper-arena', 'app.kubernetes.io/component': component, ...(team ? { 'paper-arena/team': team } : {}) };
}

/** The image's non-root user (docker/Dockerfile), which also owns the mounted volumes. */
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001 };

function service(name: string, namespace: string, selector: Record<string, string>, port: number): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels: selector }, spec: { selector, ports: [{ name: 'http', port, targetPort: 'http' }] } };
}

/** The daemon's team file: baked into the image, or followed on the team's branch of the class repository. */
function sourceArgs(team: TeamConfig, file: string, o: K8sOptions): string[] {
  const f = o.follow?.branches[team.team];
  if (!o.follow || !f) return ['run', '--team', file];
  return ['run', '--config-repo', o.follow.repo, '--branch', f.branch, '--path', f.path, '--rules-branch', o.follow.rulesBranch, '--workspace', `/app/workspaces/${team.team}`];
}

function teamManifests(team: TeamConfig, file: string, o: K8sOptions): Manifest[] {
  const name = `arena-${team.team}`;
  const port = team.server.port;
  const probe = (delay: number) => ({ httpGet: { path: '/health', port }, initialDelaySeconds: delay, periodSeconds: 30, timeoutSeconds: 5 });
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: o.namespace, labels: labels('daemon', team.team) },
      spec: {
        serviceName: name,
        // One writer per journal and ledger: never more than one replica.
        replicas: 1,
        selector: { matchLabels: labels('daemon', team.team) },
        template: {
          metadata: { labels: labels('daemon', team.team), annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' } },
          spec: {
            // SIGTERM stops a daemon between steps; a training step needs a few seconds to abort.
            terminationGracePeriodSeconds: 60,
            securityContext: POD_SECURITY,
            containers: [
              {
                name: 'daemon',
                image: o.image,
                args: [...sourceArgs(team, file, o), '--host', '0.0.0.0', '--exchange', `http://arena-exchange:${EXCHANGE_PORT}`],
                ports: [{ name: 'http', containerPort: port }],
                env: [
                  { name: 'ARENA_PORT', value: String(port) },
                  { name: 'MINIO_ENDPOINT', value: o.minioEndpoint },
                ],
                // Every secret comes from the Secret built from .env.secrets; the team's Alpaca keys by name.
                envFrom: [{ secretRef: { name: o.secretName } }],
                livenessProbe: probe(60),
                readinessProbe: probe(20),
                resources: { requests: { cpu: '1', memory: '384Mi' }, limits: { memory: '768Mi' } },
                volumeMounts: [{ name: 'workspace', mountPath: '/app/workspaces' }],
              },
            ],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'workspace' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.storage } } } }],
      },
    },
    service(name, o.namespace, labels('daemon', team.team), port),
  ];
}

function exchangeManifests(o: K8sOptions): Manifest[] {
  const name = 'arena-exchange';
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: o.namespace, labels: labels('exchange') },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: labels('exchange') },
        template: {
          metadata: { labels: labels('exchange') },
          spec: {
            securityContext: POD_SECURITY,
            containers: [
              {
                name: 'exchange',
                image: o.image,
                args: ['exchange', '--host', '0.0.0.0', '--port', String(EXCHANGE_PORT), '--state', '/app/workspaces/exchange'],
                ports: [{ name: 'http', containerPort: EXCHANGE_PORT }],
                readinessProbe: { httpGet: { path: '/healthz', port: EXCHANGE_PORT }, periodSeconds: 10 },
                volumeMounts: [{ name: 'ledgers', mountPath: '/app/workspaces' }],
              },
            ],
            volumes: [{ name: 'ledgers', persistentVolumeClaim: { claimName: name } }],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: o.namespace, labels: labels('exchange') }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    service(name, o.namespace, labels('exchange'), EXCHANGE_PORT),
  ];
}

/** Every manifest for the given teams (`files[i]` is team i's file path inside the image). */
export function k8sManifests(teams: readonly TeamConfig[], files: readonly string[], opts: Partial<K8sOptions> = {}): Manifest[] {
  const o = { ...K8S_DEFAULTS, ...opts };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace } },
    ...exchangeManifests(o),
    ...teams.flatMap((t, i) => teamManifests(t, files[i] ?? t.file, o)),
  ];
}
