export { DvcGitVersioner, VersioningError, DVC_REMOTE_NAME, dvcMd5s, parseDvcConfig, type CommitCycleArgs, type DvcGitOptions, type DvcRemote } from './dvc-git.ts';
export { dvcCandidates, dvcVersion, findDvc } from './find-dvc.ts';
