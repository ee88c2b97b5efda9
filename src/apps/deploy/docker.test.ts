/** Static checks of the deployment files (no Docker engine here): they must match the code. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { DCLinter } from 'dclint';
import { spawnSync } from 'node:child_process';
import { daemonMetrics } from '../http/api.ts';
import { TRAINING_NODE_FLAGS } from '../../core/paths.ts';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../testing/services.ts';
import { classCompose, classComposeYaml } from './compose.ts';

describe('docker/', () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
  const compose = YAML.parse(readFileSync(path.join(REPO_ROOT, 'docker', 'compose.yml'), 'utf8')) as {
    services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string>; env_file?: string[]; build?: { context: string; dockerfile: string }; profiles?: string[]; volumes?: string[] }>;
  };

  it('the Dockerfile passes the linter (dockerfile-utils) with no diagnostics, and the linter does catch errors', () => {
    expect(validateDockerfile(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(validateDockerfile('FROM node:20\nRUNN echo hi\n').map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual(['2: Unknown instruction: RUNN']);
  });

  it('the Dockerfile copies paths that exist and runs the bin entry', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+(?: \S+)*) \S+$/gm)) {
      for (const src of (m[1] as string).split(' ')) expect(existsSync(path.join(REPO_ROOT, src)), src).toBe(true);
    }
    expect(dockerfile).toMatch(/ENTRYPOINT \[.*"bin\/arena\.mjs"\]/);
    expect(dockerfile).toMatch(/^USER arena$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD .*\/health/m);
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(REPO_ROOT, 'bin', 'arena.mjs'))).toBe(true);
  });

  it('the image installs tfjs-node the normal way and fails its build without it, in both stages', () => {
    const deps = dockerfile.slice(dockerfile.indexOf(' AS deps'), dockerfile.indexOf('\nFROM ', dockerfile.indexOf(' AS deps')));
    // npm ci with optional dependencies (tfjs-node is one in package.json), never --omit=optional or --ignore-scripts.
    expect(deps).toMatch(/^RUN npm ci [^\n]*--include=optional/m);
    expect(dockerfile).not.toMatch(/--omit=optional|--no-optional|--ignore-scripts/);
    expect((JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['@tensorflow/tfjs-node']).toBeDefined();
    // A load check whose failure stops the build: the backend must be tensorflow.
    expect(deps).toMatch(/require\('@tensorflow\/tfjs-node'\)[^\n]*getBackend\(\) !== 'tensorflow'[^\n]*throw/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copied = runtime.indexOf('COPY --from=deps /app/node_modules');
    expect(copied).toBeGreaterThan(0);
    expect(runtime.indexOf(`RUN node -e "require('@tensorflow/tfjs-node')"`)).toBeGreaterThan(copied);
  });

  it('the container runs the daemon with the same V8 flags as `arena compete`, and Node accepts them in NODE_OPTIONS', () => {
    const nodeOptions = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)?.[1];
    expect(nodeOptions).toBe(TRAINING_NODE_FLAGS.join(' '));
    const r = spawnSync(process.execPath, ['-p', 'require("v8").getHeapStatistics().heap_size_limit / 2 ** 20'], { env: { ...process.env, NODE_OPTIONS: nodeOptions }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    // The old-space cap took effect (V8's own default here is several GB).
    expect(Number(r.stdout)).toBeGreaterThan(256);
    expect(Number(r.stdout)).toBeLessThan(300);
    // A flag Node does not allow in NODE_OPTIONS is refused: the check above can fail.
    expect(spawnSync(process.execPath, ['-e', '0'], { env: { ...process.env, NODE_OPTIONS: '--no-such-flag-here' } }).status).not.toBe(0);
  });

  it('compose passes dclint (Compose schema + best practices) with no problem, and dclint does catch errors', async () => {
    const lint = (file: string) => new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] }).lintFiles([file], false);
    const [result] = lint(path.join(REPO_ROOT, 'docker', 'compose.yml'));
    expect(result?.messages.map((m: { line: number; message: string }) => `${m.line}: ${m.message}`)).toEqual([]);
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'arena-compose-')), 'compose.yml');
    writeFileSync(bad, 'services:\n  a:\n    image: x\n    ports: 8080\n    restart: sometimes\n');
    expect(lint(bad)[0]?.messages.map((m: { rule: string; message: string }) => `${m.rule}: ${m.message}`)).toEqual([expect.stringMatching(/^invalid-schema: .*\/services\/a\/ports.*must be array/)]);
  });

  it('a class compose file (arena class compose) passes dclint: the exchange, MinIO, one daemon per team following its branch, secrets only from the env file', () => {
    const cls = { name: 'Class of 2027', repoUrl: 'https://git.example/course/class.git', teams: [{ team: 'team-01', branch: 'team-01', path: 'teams/team-01.yml' }, { team: 'team-02', branch: 'team-02', path: 'teams/team-02.yml' }], ports: { 'team-01': 8401, 'team-02': 8402 }, image: 'paper-arena:1.0', envFile: '.env.secrets' };
    const doc = classCompose(cls) as { name: string; services: Record<string, { command?: string[]; env_file?: string[]; environment?: Record<string, string>; ports?: string[] }> };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'arena-class-compose-')), 'compose.yml');
    writeFileSync(file, classComposeYaml(cls));
    expect(YAML.parse(readFileSync(file, 'utf8'))).toEqual(doc);
    const [result] = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] }).lintFiles([file], false);
    expect(result?.messages.map((m: { line: number; message: string }) => `${m.line}: ${m.message}`)).toEqual([]);
    expect(doc.name).toBe('class-of-2027');
    expect(Object.keys(doc.services).sort()).toEqual(['exchange', 'minio', 'team-01', 'team-02']);
    for (const [i, team] of ['team-01', 'team-02'].entries()) {
      const svc = doc.services[team];
      expect(svc?.command?.slice(0, 9)).toEqual(['run', '--config-repo', 'https://git.example/course/class.git', '--branch', team, '--path', `teams/${team}.yml`, '--rules-branch', 'main']);
      expect(svc?.ports).toEqual([`127.0.0.1:${8401 + i}:${8401 + i}`]);
      expect(svc?.env_file).toEqual(['.env.secrets']);
    }
    // A secret-named variable is only ever a reference to the environment, never a value.
    for (const svc of Object.values(doc.services)) for (const [n, v] of Object.entries(svc.environment ?? {})) if (/KEY|SECRET|TOKEN|PASSWORD/.test(n)) expect(v, n).toMatch(/^\$\{[A-Z_]+:\?[^}]*\}$/);
  });

  it('compose runs the shared exchange and one daemon per team file on its port, with MinIO, optional MLflow and monitoring, and no inline secret', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['blue', 'exchange', 'grafana', 'minio', 'mlflow', 'prometheus', 'red']);
    expect(compose.services.exchange?.command?.[0]).toBe('exchange');
    expect(compose.services.mlflow?.profiles).toEqual(['mlflow']);
    expect(compose.services.grafana?.profiles).toEqual(['monitoring']);
    const scrape = YAML.parse(readFileSync(path.join(REPO_ROOT, 'docker', 'prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = scrape.scrape_configs.flatMap((c) => c.static_configs.flatMap((x) => x.targets));
    for (const team of ['red', 'blue']) {
      const svc = compose.services[team];
      const teamFile = YAML.parse(readFileSync(path.join(REPO_ROOT, 'teams', `${team}.yml`), 'utf8')) as { server: { port: number } };
      expect(svc?.command?.slice(0, 3)).toEqual(['run', '--team', `teams/${team}.yml`]);
      expect(svc?.command).toContain('--exchange');
      expect(svc?.ports?.[0]).toBe(`127.0.0.1:${teamFile.server.port}:${teamFile.server.port}`);
      expect(svc?.env_file).toEqual(['../.env.secrets']);
      expect(svc?.environment?.ARENA_PORT).toBe(String(teamFile.server.port));
      expect(existsSync(path.join(REPO_ROOT, 'docker', svc?.build?.context ?? '', svc?.build?.dockerfile ?? ''))).toBe(true);
      expect(targets).toContain(`${team}:${teamFile.server.port}`);
    }
    // Bind mounts point at files in the repository.
    for (const svc of Object.values(compose.services)) {
      for (const v of svc.volumes ?? []) if (v.startsWith('./')) expect(existsSync(path.join(REPO_ROOT, 'docker', v.split(':')[0] as string)), v).toBe(true);
    }
    const text = readFileSync(path.join(REPO_ROOT, 'docker', 'compose.yml'), 'utf8');
    expect(text).not.toMatch(/^\s+[A-Z_]*(SECRET|PASSWORD|KEY)[A-Z_]*:\s*(?!\$\{)\S/m);
    expect(text).toMatch(/MINIO_ROOT_PASSWORD: \$\{MINIO_SECRET_KEY/);
  });

  it('the Grafana dashboard queries only metrics the daemon exports', async () => {
    const dash = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker', 'grafana', 'dashboards', 'arena.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const exported = new Set((await daemonMetrics('red').registry.getMetricsAsJSON()).map((m) => m.name));
    const used = new Set<string>();
    for (const p of dash.panels) for (const t of p.targets) for (const m of t.expr.matchAll(/\b((?:arena|process|nodejs)_[a-z0-9_]+?)(?:_bucket)?\{/g)) used.add(m[1] as string);
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(exported, name).toContain(name);
  });
});
