export { DvcGitVersioner, VersioningError, type DvcGitOptions, type DvcRemote } from './dvc-git.ts';
export { findDvc } from './find-dvc.ts';
