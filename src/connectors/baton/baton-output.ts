/**
 * The JSON that `baton grants --output-format=json` prints, as far as iam-review reads it.
 *
 * Source of the shape (ConductorOne/baton @ 267e3b8f, baton-sdk @ e2bd8af9):
 * - cmd/baton/grants.go builds one `baton.v1.GrantListOutput` of every grant of the latest
 *   sync and prints it with pkg/output/json.go: `protojson.Marshal` (default options).
 * - proto/baton/v1/outputs.proto: GrantListOutput { repeated GrantOutput grants }, and
 *   GrantOutput { Grant grant; Entitlement entitlement; Resource resource; ResourceType
 *   resource_type; Resource principal } where entitlement, resource (the entitlement's
 *   resource) and principal are the full records read back from the c1z file.
 * - baton-sdk proto/c1/connector/v2/{grant,entitlement,resource,annotation_trait,annotation_grant}.proto.
 *
 * protojson rules that matter here: field names are lowerCamelCase; fields at their zero value
 * (empty lists, false, "", enum 0) are left out, so an estate without grants prints `{}`;
 * enums print as their names; Timestamps as RFC 3339 strings; an `Any` annotation prints as
 * `{"@type": "type.googleapis.com/<full message name>", ...its fields}`.
 *
 * Only the fields read are declared; others are ignored (newer SDKs add fields).
 */
import { z } from 'zod';
import { ConnectorError } from '../connector.js';

/** An enum as protojson prints it (its name), or as a number (protojson also accepts those). */
const protoEnum = z.union([z.string(), z.number().int()]);

export const resourceIdSchema = z.object({
  resourceType: z.string().min(1),
  resource: z.string().min(1),
});
export type BatonResourceId = z.infer<typeof resourceIdSchema>;

const annotationSchema = z.looseObject({ '@type': z.string().min(1) });
export type BatonAnnotation = z.infer<typeof annotationSchema>;
const annotationsSchema = z.array(annotationSchema).optional();

export const resourceSchema = z.object({
  id: resourceIdSchema,
  displayName: z.string().optional(),
  annotations: annotationsSchema,
  /** c1.connector.v2.Status (resource.proto); newer SDKs only: see accountStatusOf. */
  status: z.object({ status: protoEnum.optional(), details: z.string().optional() }).optional(),
});
export type BatonResource = z.infer<typeof resourceSchema>;

export const entitlementSchema = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  slug: z.string().optional(),
  resource: resourceSchema.optional(),
});
export type BatonEntitlement = z.infer<typeof entitlementSchema>;

/** c1.connector.v2.Grant: its entitlement and principal are usually ids only (see GrantOutput). */
const grantSchema = z.object({
  id: z.string().optional(),
  entitlement: entitlementSchema,
  principal: resourceSchema,
  /** Set by baton's grant expansion: the entitlements this grant comes through. */
  sources: z.object({ sources: z.record(z.string(), z.object({ isDirect: z.boolean().optional() })).optional() }).optional(),
  annotations: annotationsSchema,
});

export const grantOutputSchema = z.object({
  grant: grantSchema,
  entitlement: entitlementSchema.optional(),
  resource: resourceSchema.optional(),
  principal: resourceSchema.optional(),
});
export type BatonGrantOutput = z.infer<typeof grantOutputSchema>;

/** c1.connector.v2.UserTrait (annotation_trait.proto), the fields read. */
export const userTraitSchema = z.object({
  emails: z.array(z.object({ address: z.string(), isPrimary: z.boolean().optional() })).optional(),
  /** Deprecated in the SDK in favour of the resource's status, still written by it (default enabled). */
  status: z.object({ status: protoEnum.optional(), details: z.string().optional() }).optional(),
  accountType: protoEnum.optional(),
  login: z.string().optional(),
  lastLogin: z.string().optional(),
});
export type BatonUserTrait = z.infer<typeof userTraitSchema>;

/** c1.connector.v2.SecretTrait: an API token or key as a principal. */
export const secretTraitSchema = z.object({ lastUsedAt: z.string().optional() });

/** c1.connector.v2.GrantExpandable (annotation_grant.proto). */
export const grantExpandableSchema = z.object({
  entitlementIds: z.array(z.string().min(1)).min(1),
  shallow: z.boolean().optional(),
  resourceTypeIds: z.array(z.string()).optional(),
});
export type BatonGrantExpandable = z.infer<typeof grantExpandableSchema>;

export const ANNOTATION = {
  userTrait: 'c1.connector.v2.UserTrait',
  groupTrait: 'c1.connector.v2.GroupTrait',
  roleTrait: 'c1.connector.v2.RoleTrait',
  secretTrait: 'c1.connector.v2.SecretTrait',
  grantExpandable: 'c1.connector.v2.GrantExpandable',
} as const;

/** The annotation of that message type (`@type` ends in `/<name>`), if present. */
export function findAnnotation(annotations: readonly BatonAnnotation[] | undefined, name: string): BatonAnnotation | undefined {
  return annotations?.find((a) => a['@type'] === name || a['@type'].endsWith(`/${name}`));
}

/** Enum value by name or number, against the enum's names in declaration order (index = number). */
export function enumName(value: string | number | undefined, names: readonly string[]): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? names[value] : value;
}

/**
 * Parses the whole output into its grant entries (each still to be validated by the mapper).
 * Invalid or cut-off JSON, or an object that is not a GrantListOutput (the output of
 * `baton resources` or `baton entitlements` by mistake), fails the pull: it never reads as
 * "no grants". `{}` is a valid empty list (protojson leaves the empty field out).
 */
export function parseGrantList(text: string, where: string): unknown[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const size = Buffer.byteLength(text);
    throw new ConnectorError(`${where}: not valid JSON (${(err as Error).message}; ${size} bytes): the output is cut off or not from \`baton grants --output-format=json\``);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ConnectorError(`${where}: expected the JSON object printed by \`baton grants --output-format=json\` ({"grants": [...]}), found ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const keys = Object.keys(doc);
  const other = keys.filter((k) => k !== 'grants');
  if (other.length > 0) {
    throw new ConnectorError(`${where}: not the output of \`baton grants\`: it has ${other.map((k) => `"${k}"`).join(', ')} where only "grants" is expected (the output of \`baton resources\` or \`baton entitlements\`?)`);
  }
  const grants = (doc as { grants?: unknown }).grants;
  if (grants === undefined) return [];
  if (!Array.isArray(grants)) throw new ConnectorError(`${where}: "grants" is not a list`);
  return grants;
}
