export { createIngestor, type Ingestor, type IngestorOptions, type IngestCounts } from './ingestor.ts';
export { createWriter, type Writer, type WriterOptions, type WriteCounts } from './writer.ts';
export { prepareItems, prepareInto, emptyBatch, sealBatch, NUM_COLUMNS, CODE_COLUMNS, TEXT_COLUMNS, type RawItem, type BadItem, type PreparedBatch } from './prepare.ts';
export { createPreparePool, type PreparePool, type PoolOptions } from './pool.ts';
export { preparePage, prepareLines, pageLocation, type PageResult } from './tasks.ts';
export { cyrb53, idHash, type HashFn } from './hash.ts';
export { dedupIndexFor, DedupIndex, HashIndex } from './dedup.ts';
