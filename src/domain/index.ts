export * from './identity.js';
export * from './grant.js';
export * from './snapshot.js';
export * from './finding.js';
export * from './campaign.js';
export * from './ledger-event.js';
export * from './canonical-json.js';
export * from './period.js';
