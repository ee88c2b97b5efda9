/**
 * A docker compose file for a class (`arena class compose`): the shared exchange, MinIO, and one
 * container per team running `arena run --config-repo` on its branch of the class repository (the
 * rules from `main`), as docker/compose.yml runs red and blue from their baked-in team files. On the
 * wall clock, like that file. Secrets (the class key pairs, GIT_TOKEN, MinIO keys) come from the env
 * file only. Pure: the class in, a plain object out (`classComposeYaml`: the text the CLI prints).
 */
import YAML from 'yaml';
export interface ClassComposeOptions {
  name: string;
  /** The URL the containers fetch the class from. */
  repoUrl: string;
  teams: readonly { team: string; branch: string; path: string }[];
  /** Each team's server port (published on 127.0.0.1). */
  ports: Readonly<Record<string, number>>;
  image: string;
  /** The secrets file, relative to the compose file. */
  envFile: string;
}

const EXCHANGE_PORT = 8490;

export function classCompose(o: ClassComposeOptions): Record<string, unknown> {
  const services: Record<string, unknown> = {
    exchange: {
      image: o.image,
      volumes: ['exchange-state:/app/workspaces'],
      environment: { ARENA_PORT: String(EXCHANGE_PORT) },
      ports: [`127.0.0.1:${EXCHANGE_PORT}:${EXCHANGE_PORT}`],
      command: ['exchange', '--host', '0.0.0.0', '--port', String(EXCHANGE_PORT), '--state', '/app/workspaces/exchange'],
      restart: 'unless-stopped',
      healthcheck: { test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${EXCHANGE_PORT}/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`], interval: '10s', retries: 6 },
      stop_signal: 'SIGTERM',
    },
    minio: {
      image: 'minio/minio:RELEASE.2024-10-13T13-34-11Z',
      volumes: ['minio-data:/data'],
      environment: { MINIO_ROOT_USER: '${MINIO_ACCESS_KEY:?set MINIO_ACCESS_KEY in the env file}', MINIO_ROOT_PASSWORD: '${MINIO_SECRET_KEY:?set MINIO_SECRET_KEY in the env file}' },
      ports: ['127.0.0.1:9000:9000'],
      command: ['server', '/data'],
      healthcheck: { test: ['CMD', 'curl', '-fsS', 'http://127.0.0.1:9000/minio/health/live'], interval: '10s', retries: 6 },
    },
  };
  const volumes: Record<string, null> = { 'exchange-state': null, 'minio-data': null, reports: null };
  for (const t of o.teams) {
    const port = o.ports[t.team] ?? 8401;
    services[t.team] = {
      image: o.image,
      depends_on: { exchange: { condition: 'service_healthy' }, minio: { condition: 'service_healthy' } },
      volumes: [`${t.team}-workspace:/app/workspaces`, 'reports:/app/reports'],
      environment: { ARENA_PORT: String(port), MINIO_ENDPOINT: 'http://minio:9000' },
      env_file: [o.envFile],
      ports: [`127.0.0.1:${port}:${port}`],
      command: ['run', '--config-repo', o.repoUrl, '--branch', t.branch, '--path', t.path, '--rules-branch', 'main', '--workspace', `/app/workspaces/${t.team}`, '--port', String(port), '--host', '0.0.0.0', '--exchange', `http://exchange:${EXCHANGE_PORT}`],
      restart: 'unless-stopped',
      stop_grace_period: '60s',
      stop_signal: 'SIGTERM',
    };
    volumes[`${t.team}-workspace`] = null;
  }
  const sorted = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));
  return { name: o.name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'paper-arena-class', services: sorted(services), volumes: sorted(volumes) };
}

/**
 * The compose file as text, its ports quoted: an unquoted `127.0.0.1:8401:8401` is a base-60 number
 * to a YAML 1.1 reader (Compose's linter requires single quotes, and refuses them on volume names).
 */
export function classComposeYaml(o: ClassComposeOptions): string {
  const doc = new YAML.Document(classCompose(o));
  YAML.visit(doc, {
    Pair(_key, pair) {
      if (YAML.isScalar(pair.key) && pair.key.value === 'ports' && YAML.isSeq(pair.value)) for (const item of pair.value.items) if (YAML.isScalar(item)) item.type = 'QUOTE_SINGLE';
    },
  });
  return doc.toString();
}
