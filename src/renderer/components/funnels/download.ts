/** Save an exported file (base64 bytes from the API) through the browser's download; works in Electron too. */
import { base64ToBytes } from './funnelsFormat.ts';

export function saveExport(file: { filename: string; mimeType: string; base64: string }): void {
  const bytes = base64ToBytes(file.base64);
  const blob = new Blob([bytes.buffer as ArrayBuffer], { type: file.mimeType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = file.filename;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
