export { SyncEngine, createSyncEngine, readSyncState, resetSyncState, syncSourceKey, type SyncOptions } from './engine.ts';
export { DEFAULT_RETRY, SyncHttpError, CancelledError, backoffMs, type RetryPolicy, type FetchFn } from './http.ts';
