/**
 * Issue 7's round trip, with real DVC and a real MinIO: cycles version their artifacts (one commit
 * each, nothing left to push, objects under files/md5 in the bucket); an order's lineage names its
 * commit; a fresh clone checked out there, after `dvc pull`, reproduces the order's prediction exactly.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'minio';
import { simpleGit } from 'simple-git';
import { describe, expect, it } from 'vitest';
import { reproducePrediction, type Lineage } from '../../src/apps/lineage/lineage.ts';
import { runArena } from '../../src/testing/processes.ts';
import { needServices, REPO_ROOT } from '../../src/testing/services.ts';
import { builtinBackendFor } from '../../src/adapters/models/index.ts';

const run = promisify(execFile);
const env = needServices('DVC + MinIO', ['DVC_BIN', 'MINIO_ENDPOINT', 'MINIO_ACCESS_KEY', 'MINIO_SECRET_KEY']);

describe.skipIf(!env)('versioned cycles and lineage (real DVC, real MinIO)', () => {
  const e = (env ?? {}) as Record<string, string>;
  const childEnv = { ...process.env, MINIO_ENDPOINT: e.MINIO_ENDPOINT, MINIO_ACCESS_KEY: e.MINIO_ACCESS_KEY, MINIO_SECRET_KEY: e.MINIO_SECRET_KEY, DVC_BIN: e.DVC_BIN };
  const arena = async (cwd: string, args: string[]) => {
    const r = await runArena(cwd, args, { env: childEnv });
    expect(r.code, `arena ${args.join(' ')}: ${r.stderr.slice(-2000)}`).toBe(0);
    return r;
  };
  const dvc = (cwd: string, args: string[]) => run(e.DVC_BIN as string, args, { cwd, env: { ...process.env, DVC_NO_ANALYTICS: '1' } });

  it("two cycles → two commits, all pushed; a fresh clone reproduces an order's prediction", { timeout: 600_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'arena-lineage-'));
    cpSync(path.join(REPO_ROOT, 'teams'), path.join(dir, 'teams'), { recursive: true });
    cpSync(path.join(REPO_ROOT, 'strategies'), path.join(dir, 'strategies'), { recursive: true });
    const prefix = `lin${Date.now().toString(36)}`;
    const red = path.join(dir, 'teams', 'red.yml');
    writeFileSync(red, readFileSync(red, 'utf8').replace('storage: { kind: fs }', `storage: { kind: fs, bucket_prefix: ${prefix} }`).replace('versioning: { enabled: true, dvc_remote: none }', 'versioning: { enabled: true, dvc_remote: minio }'));

    for (const date of ['2017-11-09', '2017-11-10']) {
      const r = await arena(dir, ['cycle', '--team', 'teams/red.yml', '--date', date]);
      expect(r.stdout).toMatch(new RegExp(`^red ${date}: ran fetch, .*version`));
    }
    const ws = path.join(dir, 'workspaces', 'red');
    const log = await simpleGit(ws).log();
    expect(log.all.map((c) => c.message)).toEqual(['arena(red): cycle 2017-11-10 run red-2017-11-10', 'arena(red): cycle 2017-11-09 run red-2017-11-09']);
    expect(JSON.parse((await dvc(ws, ['status', '-c', '--json'])).stdout)).toEqual({});
    const tree = (await simpleGit(ws).raw(['ls-tree', '-r', '--name-only', 'HEAD'])).split('\n');
    expect(tree).toEqual(expect.arrayContaining(['config/team.yml', 'config/strategy.yml', 'lineage/2017-11-10.json', 'models.dvc', 'data.dvc', 'features.dvc', 'predictions.dvc']));
    expect(tree.some((f) => f.startsWith('models/') || f.startsWith('data/'))).toBe(false);
    expect(readFileSync(path.join(ws, '.dvc', 'config'), 'utf8')).not.toContain(e.MINIO_SECRET_KEY as string);

    const url = new URL(e.MINIO_ENDPOINT as string);
    const minio = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey: e.MINIO_ACCESS_KEY as string, secretKey: e.MINIO_SECRET_KEY as string });
    const objects: string[] = [];
    for await (const o of minio.listObjectsV2(`${prefix}-dvc`, 'red/', true)) if (o.name) objects.push(o.name);
    expect(objects.every((o) => /^red\/files\/md5\/[0-9a-f]{2}\/[0-9a-f]{30}(\.dir)?$/.test(o))).toBe(true);

    // Red's first order: 2017-11-09, AAPL bought on its best predicted gain (see tests/e2e/alpaca-cycle.test.ts).
    const journal = readFileSync(path.join(ws, 'state', 'journal.jsonl'), 'utf8');
    const orderId = /"order_id":"([0-9a-f-]{36})"/.exec(journal)?.[1] as string;
    expect(orderId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const lineage = JSON.parse((await arena(dir, ['lineage', orderId, '--team', 'teams/red.yml', '--json', '--verify'])).stdout) as Lineage & { reproduced: number };
    expect(lineage.team_date).toBe('2017-11-09');
    expect(lineage.order).toMatchObject({ order_id: orderId, symbol: 'AAPL', side: 'buy', qty: 341, model_version: 'v0001', prediction_id: '2017-11-09:AAPL' });
    expect(lineage.commit).toBe(log.all.find((c) => c.message.includes(lineage.team_date))?.hash);
    expect(lineage.pushed).toBe(true);
    expect(lineage.prediction).toMatchObject({ id: '2017-11-09:AAPL', symbol: 'AAPL', model_version: 'v0001' });
    expect(lineage.prediction?.value).toBeCloseTo(0.004031, 5); // red's MLP (dense JS engine), seed 7: +0.40 % for AAPL
    expect(lineage.reproduced).toBe(lineage.prediction?.value);
    // What the lineage names is in the bucket: the snapshot's directory manifests and the model's weights.
    const object = (md5: string) => `red/files/md5/${md5.slice(0, 2)}/${md5.slice(2)}`;
    expect(Object.keys(lineage.data.md5).sort()).toEqual(['data', 'features', 'predictions']);
    expect(objects).toEqual(expect.arrayContaining([...Object.values(lineage.data.md5).map(object), object(lineage.model.files_md5[`${lineage.model.version}/weights.bin`] as string)]));
    expect(Object.keys(lineage.model.files_md5)).toContain(`${lineage.model.version}/weights.bin`);

    // Elsewhere: clone the workspace, check out the order's commit, pull the data, re-run the prediction.
    const clone = path.join(mkdtempSync(path.join(tmpdir(), 'arena-clone-')), 'ws');
    await simpleGit().clone(ws, clone);
    await simpleGit(clone).checkout(lineage.commit as string);
    await dvc(clone, ['remote', 'modify', '--local', 'minio', 'access_key_id', e.MINIO_ACCESS_KEY as string]);
    await dvc(clone, ['remote', 'modify', '--local', 'minio', 'secret_access_key', e.MINIO_SECRET_KEY as string]);
    await dvc(clone, ['pull']);
    // The pulled weights are the very bytes the lineage names.
    const weights = readFileSync(path.join(clone, 'models', lineage.model.version as string, 'weights.bin'));
    expect(createHash('md5').update(weights).digest('hex')).toBe(lineage.model.files_md5[`${lineage.model.version}/weights.bin`]);
    const value = await reproducePrediction(clone, lineage.prediction as NonNullable<Lineage['prediction']>, builtinBackendFor);
    expect(value).toBe(lineage.prediction?.value);
  });
});
