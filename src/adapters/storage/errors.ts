import { ArenaError } from '../../core/errors.ts';

/** An artifact could not be stored or read: bad key, unreachable MinIO, refused credentials, disk trouble. */
export class StorageError extends ArenaError {}
