/** The emulator's fault modes, on their own so the CLI can list them without loading the server. */
export const FAULT_MODES = ['none', 'rate_limit', 'rate_limit_note', 'premium', 'bad_symbol', 'bad_key', 'http_500', 'slow', 'malformed'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];
