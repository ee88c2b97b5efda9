/**
 * Error types shared by every concern. The CLI maps them to exit codes:
 * UsageError/ConfigError → 2 (one line naming file, field and expected value), anything else → 1.
 */
export class ArenaError extends Error {
  /** What the user can do about it; printed after the message. */
  readonly hint: string | undefined;
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** Bad command-line usage. Exit code 2. */
export class UsageError extends ArenaError {}

/** A configuration file or value is invalid. Exit code 2. The message is one line: `file: field: expected …, got …`. */
export class ConfigError extends ArenaError {
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${expected}`, options);
  }
}

/**
 * A team's own plug-in module cannot be used: it does not load, has the wrong shape, or refuses its
 * parameters. Exit code 2 like any configuration error; a season or a competition refuses that team
 * alone and plays the others (a plain ConfigError refuses the whole run before anything starts).
 */
export class PluginError extends ConfigError {}

/** A required secret is missing from `.env.secrets` and the environment. Exit code 2. */
export class MissingSecretError extends ArenaError {
  constructor(
    readonly variable: string,
    readonly purpose: string,
  ) {
    super(`missing secret ${variable} (${purpose}): set it in .env.secrets or the environment`, {
      hint: `copy .env.secrets.template to .env.secrets and fill in ${variable}`,
    });
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
