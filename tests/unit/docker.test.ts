/** Static checks of the deployment files (no Docker engine here): they must match the code. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/services.ts';

describe('docker/', () => {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
  const compose = YAML.parse(readFileSync(path.join(REPO_ROOT, 'docker', 'compose.yml'), 'utf8')) as {
    services: Record<string, { command?: string[]; ports?: string[]; environment?: Record<string, string>; env_file?: string[]; build?: { context: string; dockerfile: string } }>;
  };

  it('the Dockerfile passes the linter (dockerfile-utils) with no diagnostics, and the linter does catch errors', () => {
    expect(validateDockerfile(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(validateDockerfile('FROM node:20\nRUNN echo hi\n').length).toBeGreaterThan(0);
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

  it('compose runs one daemon per team file, on its configured port, with MinIO and no inline secret', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['blue', 'minio', 'red']);
    for (const team of ['red', 'blue']) {
      const svc = compose.services[team];
      const teamFile = YAML.parse(readFileSync(path.join(REPO_ROOT, 'teams', `${team}.yml`), 'utf8')) as { server: { port: number } };
      expect(svc?.command?.slice(0, 3)).toEqual(['run', '--team', `teams/${team}.yml`]);
      expect(svc?.ports?.[0]).toBe(`127.0.0.1:${teamFile.server.port}:${teamFile.server.port}`);
      expect(svc?.env_file).toEqual(['../.env.secrets']);
      expect(svc?.environment?.ARENA_PORT).toBe(String(teamFile.server.port));
      expect(existsSync(path.join(REPO_ROOT, 'docker', svc?.build?.context ?? '', svc?.build?.dockerfile ?? ''))).toBe(true);
    }
    const text = readFileSync(path.join(REPO_ROOT, 'docker', 'compose.yml'), 'utf8');
    expect(text).not.toMatch(/^\s+[A-Z_]*(SECRET|PASSWORD|KEY)[A-Z_]*:\s*(?!\$\{)\S/m);
    expect(text).toMatch(/MINIO_ROOT_PASSWORD: \$\{MINIO_SECRET_KEY/);
  });
});
