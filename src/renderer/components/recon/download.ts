/** Save bytes the API returned (base64) as a file: the browser's download in web mode and Electron. */
import { base64ToBytes } from '../../pages/reconFormat.ts';

export function saveBase64(filename: string, base64: string, mimeType: string): void {
  const bytes = base64ToBytes(base64);
  const blob = new Blob([bytes.buffer as ArrayBuffer], { type: mimeType });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
