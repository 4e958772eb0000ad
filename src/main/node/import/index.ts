export { importFile, importText, detectFormat, ImportError, type ImportOptions, type ImportProgress, type ImportFormat } from './import.ts';
export { createCsvParser, CsvError, type CsvRecord } from './csv.ts';
export { createJsonEventSplitter, JsonShapeError } from './json-stream.ts';
