// The whole data model; drizzle.config.ts points here. Helpers (_columns, _sql) stay private.
export * from './accounts';
export * from './tenancy';
export * from './secrets';
export * from './mcp';
export * from './connections';
export * from './tools';
export * from './agents';
export * from './runs';
export * from './policies';
export * from './audit';
export * from './canvas';
