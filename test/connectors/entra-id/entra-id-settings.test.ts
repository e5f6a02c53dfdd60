import { describe, expect, it } from 'vitest';
import { entraIdConnectorType } from '../../../src/connectors/entra-id/entra-id-connector.js';
import { entraIdSettingsSchema, resolveHosts } from '../../../src/connectors/entra-id/entra-id-settings.js';

const base = {
  tenantId: '00000000-0000-0000-0000-000000000000',
  clientId: '11111111-1111-1111-1111-111111111111',
  clientSecret: { env: 'ENTRA_CLIENT_SECRET' },
  read: 'identities',
};

function issues(input: unknown): string[] {
  const result = entraIdSettingsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('entra-id settings', () => {
  it('accepts the documented example and fills defaults', () => {
    const s = entraIdSettingsSchema.parse({ ...base, cloud: 'global', groups: true, signInActivity: 'auto' });
    expect(s).toMatchObject({ cloud: 'global', read: 'identities', groups: true, signInActivity: 'auto' });
    expect(entraIdSettingsSchema.parse(base).cloud).toBe('global');
  });

  it('accepts a certificate credential instead of a secret', () => {
    const { clientSecret: _, ...noSecret } = base;
    const s = entraIdSettingsSchema.parse({ ...noSecret, clientCertificate: { thumbprintSha256: 'AB'.repeat(32), privateKey: { env: 'ENTRA_CERT_KEY' } } });
    expect(s.clientCertificate?.privateKey.env).toBe('ENTRA_CERT_KEY');
  });

  it('accepts a verified domain as tenant', () => {
    expect(issues({ ...base, tenantId: 'custodian.onmicrosoft.com' })).toEqual([]);
  });

  it('rejects unknown keys', () => {
    expect(issues({ ...base, tenant: 'x' })).toEqual([expect.stringContaining('Unrecognized key')]);
    expect(issues({ ...base, clientCertificate: undefined, clientSecret: undefined, clientCertificate2: 1 }).join()).toContain('Unrecognized key');
  });

  it('rejects an inline secret, and does not echo it', () => {
    const found = issues({ ...base, clientSecret: 'p@ssw0rd-inline' });
    expect(found).toEqual([expect.stringMatching(/^clientSecret: /)]);
    expect(found.join()).not.toContain('p@ssw0rd-inline');
    const { clientSecret: _, ...noSecret } = base;
    expect(issues({ ...noSecret, clientCertificate: { thumbprintSha256: 'ab'.repeat(32), privateKey: '-----BEGIN PRIVATE KEY-----' } })).toEqual([expect.stringMatching(/^clientCertificate\.privateKey: /)]);
  });

  it('wants exactly one credential', () => {
    const { clientSecret: _, ...noSecret } = base;
    expect(issues(noSecret)).toEqual(['clientSecret: set exactly one of clientSecret or clientCertificate']);
    expect(issues({ ...base, clientCertificate: { thumbprintSha256: 'ab'.repeat(32), privateKey: { env: 'K' } } })).toEqual(['clientSecret: set exactly one of clientSecret or clientCertificate']);
  });

  it('checks the shape of ids and thumbprints', () => {
    expect(issues({ ...base, clientId: 'my-app' })).toEqual([expect.stringMatching(/^clientId: /)]);
    const { clientSecret: _, ...noSecret } = base;
    expect(issues({ ...noSecret, clientCertificate: { thumbprintSha256: 'abc', privateKey: { env: 'K' } } })).toEqual([expect.stringMatching(/^clientCertificate\.thumbprintSha256: /)]);
  });

  it('needs servicePrincipalId for app-roles, and only there', () => {
    expect(issues({ ...base, read: 'app-roles' })).toEqual([expect.stringMatching(/^servicePrincipalId: required/)]);
    expect(issues({ ...base, read: 'app-roles', servicePrincipalId: '50000000-0000-4000-8000-000000000051' })).toEqual([]);
    expect(issues({ ...base, servicePrincipalId: '50000000-0000-4000-8000-000000000051' })).toEqual(['servicePrincipalId: only used when read is app-roles']);
  });

  it('rejects identities-only options in the grant modes', () => {
    expect(issues({ ...base, read: 'directory-roles', groups: true, signInActivity: 'off' })).toEqual(['groups: only used when read is identities', 'signInActivity: only used when read is identities']);
  });

  it('takes eligibleRoles for directory-roles only', () => {
    expect(issues({ ...base, read: 'directory-roles', eligibleRoles: false })).toEqual([]);
    expect(issues({ ...base, read: 'app-roles', servicePrincipalId: '50000000-0000-4000-8000-000000000051', eligibleRoles: true })).toEqual(['eligibleRoles: only used when read is directory-roles']);
    expect(issues({ ...base, read: 'directory-roles', eligibleRoles: 'yes' })).toEqual([expect.stringMatching(/^eligibleRoles: /)]);
  });

  it('rejects unknown enum values', () => {
    expect(issues({ ...base, cloud: 'germany' })).toEqual([expect.stringMatching(/^cloud: /)]);
    expect(issues({ ...base, read: 'everything' })).toEqual([expect.stringMatching(/^read: /)]);
    expect(issues({ ...base, signInActivity: 'yes' })).toEqual([expect.stringMatching(/^signInActivity: /)]);
  });

  it('resolves national-cloud hosts, with explicit https overrides', () => {
    expect(resolveHosts(entraIdSettingsSchema.parse({ ...base, cloud: 'usgov' }))).toEqual({ authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://graph.microsoft.us' });
    expect(resolveHosts(entraIdSettingsSchema.parse({ ...base, cloud: 'usgov-dod' }))).toEqual({ authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://dod-graph.microsoft.us' });
    expect(resolveHosts(entraIdSettingsSchema.parse({ ...base, cloud: 'china' }))).toEqual({ authorityHost: 'https://login.chinacloudapi.cn', graphHost: 'https://microsoftgraph.chinacloudapi.cn' });
    expect(resolveHosts(entraIdSettingsSchema.parse({ ...base, graphHost: 'https://graph.example.test/' }))).toEqual({ authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.example.test' });
    expect(issues({ ...base, graphHost: 'http://graph.microsoft.com' })).toEqual([expect.stringMatching(/^graphHost: /)]);
    expect(issues({ ...base, authorityHost: 'https://login.microsoftonline.com/tenant' })).toEqual([expect.stringMatching(/^authorityHost: .*origin/)]);
  });

  it('declares its secret settings', () => {
    expect(entraIdConnectorType.type).toBe('entra-id');
    expect(entraIdConnectorType.secretSettings).toEqual(['clientSecret', 'clientCertificate.privateKey']);
  });
});
