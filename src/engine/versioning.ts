/** Wires a team's Versioner (DVC + git) from its config, or null with one warning when DVC is missing. */
import type { TeamConfig } from '../config/load.ts';
import { loadSecrets, type Secrets } from '../config/secrets.ts';
import { UsageError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { DvcGitVersioner, findDvc } from '../adapters/versioning/index.ts';
import type { Versioner } from '../ports.ts';

let warned = false;

export async function createVersionerFor(team: TeamConfig, workspaceDir: string, logger: Logger): Promise<Versioner | null> {
  if (!team.versioning.enabled) return null;
  const dvcBin = await findDvc();
  if (!dvcBin) {
    if (!warned) logger.warn('DVC is not installed: artifacts stay in the workspace unversioned (install with `bash scripts/services.sh setup` or `pip install "dvc[s3]"`; `arena doctor` checks it)');
    warned = true;
    return null;
  }
  // Read only when a secret is needed: a team without remotes does not depend on .env.secrets.
  let loaded: Secrets | null = null;
  const secrets = (): Secrets => (loaded ??= loadSecrets({ cwd: team.root }));
  let remote: { endpoint: string; bucket: string; accessKey: string; secretKey: string } | null = null;
  if (team.versioning.dvc_remote === 'minio') {
    const endpoint = process.env.MINIO_ENDPOINT ?? team.storage.endpoint;
    if (!endpoint) throw new UsageError(`${team.file}: storage.endpoint: versioning.dvc_remote is minio; expected a MinIO URL here or in MINIO_ENDPOINT`);
    remote = {
      endpoint,
      bucket: `${team.storage.bucket_prefix}-dvc`,
      accessKey: secrets().require('MINIO_ACCESS_KEY', 'the DVC remote on MinIO'),
      secretKey: secrets().require('MINIO_SECRET_KEY', 'the DVC remote on MinIO'),
    };
  }
  return DvcGitVersioner.open({
    workspaceDir,
    team: team.team,
    dvcBin,
    remote,
    ...(team.versioning.git_remote ? { gitRemote: team.versioning.git_remote } : {}),
    gitPush: team.versioning.git_push,
    // Only for the push process's environment (see DvcGitVersioner); an ssh or path remote ignores it.
    ...(team.versioning.git_push && secrets().get('GIT_TOKEN') ? { gitToken: secrets().get('GIT_TOKEN') as string } : {}),
    logger,
  });
}
