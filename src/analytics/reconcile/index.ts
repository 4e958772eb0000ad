/** Daily payment reconciliation (spec 5.1): adapters, ledger, matching engine, report. Pure. */
export * from './types.ts';
export * from './amount.ts';
export * from './ledger.ts';
export * from './match.ts';
export * from './report.ts';
export * from './tables.ts';
export { ADAPTERS, adapterById, detectAdapter, parseSettlementRows, platformJsonRows, PLATFORM_COLUMNS, UnknownFormatError } from './adapters/index.ts';
export type { Row, SettlementAdapter, AdapterContext, AdapterOutput, AdapterId } from './adapters/index.ts';
