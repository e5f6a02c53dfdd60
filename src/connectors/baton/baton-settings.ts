import { z } from 'zod';

/**
 * Settings of a `baton` system (the `connector:` mapping of its YAML, without `type`): where
 * the output of `baton grants --output-format=json` comes from, and how it is named.
 *
 * Exactly one source:
 * - `path`: a file a scheduled job wrote (e.g. `baton grants -f sync.c1z -o json > okta-grants.json`),
 *   relative to the connectors/ folder or absolute. `maxAgeHours` refuses a stale one.
 * - `command`: an argv array run without a shell (cwd: the connectors/ folder), whose stdout is
 *   that JSON. It gets only PATH, HOME, TMPDIR, LANG and the variables named in `passEnv`.
 */
export const BATON_ROLE_SOURCES = ['display-name', 'slug'] as const;

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

export const batonSettingsSchema = z
  .strictObject({
    path: z.string().min(1).optional(),
    command: z.array(z.string().min(1)).min(1, 'the program to run, then its arguments, e.g. [baton, grants, --file, sync.c1z, --output-format, json]').optional(),
    /** Command only: the run is killed and the pull fails after this long. Default 600. */
    timeoutSeconds: z.number().int().min(1).max(24 * 3600).default(600),
    /** Command only: environment variables handed to the command (by name; values from iam-review's environment). */
    passEnv: z.array(envName).default([]),
    /** Command only: stdout larger than this fails the pull (the whole JSON is parsed in memory). Default 256. */
    maxOutputMegabytes: z.number().int().min(1).max(480).default(256),
    /** File only: a file last written longer ago than this fails the pull (the scheduled baton run stopped). */
    maxAgeHours: z.number().positive().optional(),
    /** The role of a grant: the entitlement's display name (default) or its slug. */
    role: z.enum(BATON_ROLE_SOURCES).default('display-name'),
    /** Resource types whose entitlements apply to the whole system (scope ''), e.g. [org]. */
    unscopedResourceTypes: z.array(z.string().min(1)).default([]),
  })
  .superRefine((s, ctx) => {
    if ((s.path === undefined) === (s.command === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'set exactly one of path (a file written by `baton grants --output-format=json`) or command (an argv array that prints it)' });
    }
    if (s.path !== undefined && (s.passEnv.length > 0)) {
      ctx.addIssue({ code: 'custom', path: ['passEnv'], message: 'passEnv applies to command only' });
    }
    if (s.command !== undefined && s.maxAgeHours !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxAgeHours'], message: 'maxAgeHours applies to path only (a command prints a fresh read)' });
    }
  });

export type BatonSettings = z.infer<typeof batonSettingsSchema>;
