/**
 * What the admin API needs to check and complete what it is sent: the schemas (zod) and the
 * helpers built on them. Loaded with the first request that writes (adminInput() in
 * admin-api.ts), not at start-up: zod and the schemas take ~50 ms to load, which would compete
 * with the servers Gatehouse has just spawned.
 */
export * from '../../shared/validation';
export { applyPatch, completeConfig } from '../mcp/server-config';
export { planImport } from '../mcp/importer';
