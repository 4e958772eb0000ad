/** Exports produce bytes (Buffer); saving them is the caller's business (a dialog, a download, a file). */
export { toCsv, neutralize, cellText, type Cell, type ExportColumn } from './csv.ts';
export { toXlsx, type Sheet } from './xlsx.ts';
export { toStyledXlsx, heatColour, type StyledSheet, type StyledCell } from './xlsx-styled.ts';
