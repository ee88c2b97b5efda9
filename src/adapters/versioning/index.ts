export { DvcGitVersioner, VersioningError, DVC_REMOTE_NAME, displayRemote, dvcMd5s, gitAuthHeader, parseDvcConfig, type CommitCycleArgs, type DvcGitOptions, type DvcRemote } from './dvc-git.ts';
export { dvcCandidates, dvcVersion, findDvc } from './find-dvc.ts';
