import { z } from 'zod';
import { secretRef } from '../secret-ref.js';

/**
 * Settings of a `fireblocks` system (the `connector:` mapping of its YAML, without `type`).
 *
 * Fireblocks serves each workspace from one regional host (developers.fireblocks.com,
 * "Signing a request"): https://api.fireblocks.io (US mainnet/testnet),
 * https://sandbox-api.fireblocks.io, https://eu-api.fireblocks.io, https://eu2-api.fireblocks.io.
 */
export const FIREBLOCKS_DEFAULT_BASE_URL = 'https://api.fireblocks.io';

/** PolicyType values (ts-sdk docs/models/PolicyType.md) that carry initiators, approvers and signers. */
export const TAP_POLICY_TYPES = ['TRANSFER', 'STAKE', 'CONTRACT_CALL', 'TYPED_MESSAGE', 'APPROVE', 'MINT', 'BURN', 'RAW', 'PROGRAM_CALL', 'DEPLOYMENT', 'UPGRADE', 'DAPP_CONNECTION', 'ORDER'] as const;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The API host as an origin. The docs write base URLs with the `/v1` prefix, so a
 * trailing `/v1` is accepted and dropped (the client adds it to every path). https only,
 * except loopback hosts (local fakes and forwarding proxies).
 */
const baseUrlSchema = z
  .string()
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'a URL such as https://api.fireblocks.io' });
      return;
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
      ctx.addIssue({ code: 'custom', message: 'must be https (plain http only for 127.0.0.1/localhost)' });
    }
    if (!/^\/?(v1\/?)?$/.test(url.pathname) || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: 'the API host only (optionally ending in /v1), e.g. https://eu-api.fireblocks.io' });
    }
  })
  .transform((value) => new URL(value).origin);

export const fireblocksSettingsSchema = z
  .strictObject({
    baseUrl: baseUrlSchema.default(FIREBLOCKS_DEFAULT_BASE_URL),
    /** The API user's API key (a UUID shown in the console). */
    apiKey: secretRef,
    /** The API user's RSA private key (PEM, the key whose CSR was uploaded), by environment variable. */
    privateKey: secretRef.optional(),
    /** Alternative to privateKey: a PEM file, relative to the connectors/ folder or absolute. */
    privateKeyFile: z.string().min(1).optional(),
    /** Also report API users (as service accounts). Default true. */
    includeApiUsers: z.boolean().default(true),
    /**
     * Read the transaction authorization policy (GET /v1/policy/active_policy) and user groups
     * into tap:initiator / tap:approver / tap:signer grants. Default true. A TAP the API user
     * may not read makes the snapshot partial (never "no TAP grants").
     */
    readTap: z.boolean().default(true),
    /** The TAP policy types read (PolicyType; repeated `policyType` parameters). Default TRANSFER. */
    tapPolicyTypes: z.array(z.enum(TAP_POLICY_TYPES)).min(1).default(['TRANSFER']),
    /**
     * Fill lastActivityAt from GET /v1/management/audit_logs (the newest event of each user in
     * the last year; one request per user). Default true. When the API user may not read the
     * audit logs, lastActivityAt stays null and the run logs a warning.
     */
    lastActivityFromAuditLogs: z.boolean().default(true),
    /** Per-request timeout. Default 30. */
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  })
  .superRefine((s, ctx) => {
    if ((s.privateKey === undefined) === (s.privateKeyFile === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'set exactly one of privateKey ({ env: NAME }) or privateKeyFile (a path)' });
    }
  });

export type FireblocksSettings = z.infer<typeof fireblocksSettingsSchema>;
