/**
 * A workspace with a transaction authorization policy, as the Fireblocks API serves it
 * (PolicyRule of ts-sdk docs/models/PolicyRule.md; UserGroupResponse; ConsoleUser/APIUser).
 */
export const TAP_CONSOLE_USERS = [
  { id: 'c-olga', firstName: 'Olga', lastName: 'Owner', email: 'olga@custodian.li', role: 'OWNER', enabled: true, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-sam', firstName: 'Sam', lastName: 'Signer', email: 'sam@custodian.li', role: 'SIGNER', enabled: true, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-cleo', firstName: 'Cleo', lastName: 'Compliance', email: 'cleo@custodian.li', role: 'APPROVER', enabled: true, status: 'READY', userType: 'CONSOLE' },
  { id: 'c-tom', firstName: 'Tom', lastName: 'Trader', email: 'tom@custodian.li', role: 'EDITOR', enabled: true, status: 'READY', userType: 'CONSOLE' },
];
export const TAP_API_USERS = [{ id: 'a-payouts', name: 'payouts-bot', role: 'SIGNER', enabled: true, status: 'READY', userType: 'API' }];

export const TAP_USER_GROUPS = [
  { id: 'g-treasury', name: 'Treasury approvers', status: 'ACTIVE', memberIds: ['c-olga', 'c-sam'] },
  { id: 'g-desk', name: 'Trading desk', status: 'ACTIVE', memberIds: ['c-tom'] },
];

export const TAP_RULES = [
  {
    id: 'r-large',
    name: 'Large withdrawals',
    policyEngineVersion: 'v2',
    type: 'TRANSFER',
    index: 0,
    initiator: { operator: 'INCLUDES', users: ['a-payouts'], groups: ['g-treasury'] },
    source: { operator: 'INCLUDES', ids: [{ type: 'VAULT', id: '0' }] },
    destination: { operator: 'INCLUDES', addressType: 'WHITELISTED', type: ['EXTERNAL'] },
    asset: { nftTransfer: false, assetTypes: ['BTC', 'ETH'], operator: 'INCLUDES' },
    amount: { range: { min: '1000000' }, currency: 'EUR' },
    verdict: {
      action: '2-TIER',
      approvers: {
        canInitiatorApprove: true,
        operator: 'AND',
        approvalGroups: [
          { threshold: 2, groups: ['g-treasury'] },
          { threshold: 1, users: ['c-cleo'] },
        ],
      },
      designatedSigners: { type: 'SINGLE', users: ['c-sam'] },
    },
  },
  {
    id: 'r-desk',
    name: 'Desk top-ups',
    policyEngineVersion: 'v2',
    type: 'TRANSFER',
    index: 1,
    initiator: { operator: 'INCLUDES', groups: ['g-desk'] },
    source: { operator: 'INCLUDES', ids: [{ type: 'VAULT', id: '4' }] },
    destination: { operator: 'INCLUDES', addressType: '*', ids: [{ type: 'EXCHANGE', id: 'ex-1' }] },
    amount: { range: { min: '0', max: '50000' }, currency: 'USD' },
    verdict: {
      action: '2-TIER',
      approvers: { canInitiatorApprove: false, operator: 'OR', approvalGroups: [{ threshold: 1, users: ['c-sam'], groups: ['g-treasury'] }] },
      designatedSigners: { type: 'INITIATOR' },
    },
  },
  {
    id: 'r-block',
    name: 'Block the rest',
    policyEngineVersion: 'v2',
    type: 'TRANSFER',
    index: 2,
    initiator: { operator: 'INCLUDES', users: ['*'] },
    source: { operator: 'INCLUDES', type: ['*'] },
    verdict: { action: 'BLOCK' },
  },
];
