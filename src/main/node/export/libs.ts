/**
 * The workbook libraries, loaded on first use: `xlsx` and `exceljs` take ~200 ms each to load, which
 * would otherwise be paid by every start of the app and of the analytics worker (cold queries).
 * `xlsx` only ever writes workbooks; untrusted XLSX input is read with exceljs.
 */
import { createRequire } from 'node:module';
import type * as XLSXModule from 'xlsx';
import type ExcelJSModule from 'exceljs';

const load = createRequire(import.meta.url);
let xlsx: typeof XLSXModule | undefined;
let exceljs: typeof ExcelJSModule | undefined;

export function xlsxLib(): typeof XLSXModule {
  return (xlsx ??= load('xlsx') as typeof XLSXModule);
}

export function excelJsLib(): typeof ExcelJSModule {
  return (exceljs ??= load('exceljs') as typeof ExcelJSModule);
}
