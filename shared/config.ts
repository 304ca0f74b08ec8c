import { envNames } from './resources.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads a required environment variable, failing loudly with its name when it is missing. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(
      `Missing environment variable ${name}: the stack (infra/) or local mode (scripts/local/) sets it`,
    );
  }
  return value;
}

export function optionalEnv(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

/**
 * Configuration every function reads at cold start. Each getter validates on first use, so a
 * function that never touches the queue does not need its URL, yet a missing variable still
 * fails at module load of the code that needs it, naming the variable.
 */
export const config = {
  get tableName(): string {
    return requireEnv(envNames.table);
  },
  get deliveryQueueUrl(): string {
    return requireEnv(envNames.deliveryQueueUrl);
  },
  get orderedDeliveryQueueUrl(): string {
    return requireEnv(envNames.orderedDeliveryQueueUrl);
  },
  get deadLetterQueueUrl(): string {
    return requireEnv(envNames.deadLetterQueueUrl);
  },
  /** Secrets are named `<prefix>/<tenant>/<hook>`; the stack scopes IAM to this prefix. */
  get secretPrefix(): string {
    return optionalEnv(envNames.secretPrefix, 'latchkey');
  },
  /**
   * The API's public base URL for the trigger URLs Latchkey hands out (a custom domain); unset,
   * they are built from the request's host and `x-forwarded-proto`.
   */
  get publicApiUrl(): string | undefined {
    return process.env[envNames.publicApiUrl] || undefined;
  },
  /**
   * Outbound requests to private, loopback, link-local and metadata addresses are refused unless
   * the deployment allows them (comma-separated: `private`, `loopback`, `link-local`, or `all`).
   */
  get allowedPrivateRanges(): string[] {
    // (names: loopback, private, link-local, reserved — see shared/domain/addressRange.ts)
    return optionalEnv(envNames.allowPrivateTargets, '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  },
  /** `PUBLIC_TARGETS=refused`: only the allowed private ranges may be reached (an egress allowlist). */
  get publicTargets(): boolean {
    const value = optionalEnv(envNames.publicTargets, 'allowed');
    if (value !== 'allowed' && value !== 'refused') {
      throw new ConfigError(`${envNames.publicTargets} must be "allowed" or "refused", not "${value}"`);
    }
    return value === 'allowed';
  },
};
