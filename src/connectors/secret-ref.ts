import { z } from 'zod';

/**
 * A secret in connector settings is never written inline: `{ env: VAR_NAME }` names the
 * environment variable that holds it, so config files can live in a repository.
 */
export const secretRef = z.strictObject({
  env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)'),
});
export type SecretRef = z.infer<typeof secretRef>;

/** Resolves a secret reference; throws a message naming the variable (never its value). */
export function resolveSecret(ref: SecretRef, env: (name: string) => string | undefined, what: string): string {
  const value = env(ref.env);
  if (value === undefined || value === '') {
    throw new Error(`${what}: environment variable ${ref.env} is not set`);
  }
  return value;
}
