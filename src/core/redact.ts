/**
 * A process-wide set of secret values. Logs, reports and artifacts pass text through `redact`,
 * so a key that slips into an error message from a library still never leaves the process.
 */
const secretValues = new Set<string>();

export function registerSecretValue(value: string): void {
  // Very short values would blank out ordinary words; real keys are longer than this.
  if (value.length >= 6) secretValues.add(value);
}

/** `scheme://user:password@host` — credentials in a URL (an MLflow or git remote, say) never reach a log. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi;

export function redact(text: string): string {
  let out = text.replace(URL_USERINFO, '$1***@');
  for (const v of secretValues) if (out.includes(v)) out = out.split(v).join('***');
  return out;
}

/** Deep-redact strings inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => redactDeep(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactDeep(v);
    return out as T;
  }
  return value;
}

export function clearSecretValuesForTests(): void {
  secretValues.clear();
}
