/** Notifier: desktop notifications. Electron shows native ones; web mode relays to the browser; tests record. */
export interface Notification { title: string; body: string; severity: 'P1' | 'P2' | 'P3' }
export interface Notifier {
  notify(n: Notification): void;
}
export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  notify(n: Notification): void {
    this.sent.push(n);
  }
}
/** CLI / headless: print to stderr. */
export class StderrNotifier implements Notifier {
  notify(n: Notification): void {
    process.stderr.write(`[${n.severity}] ${n.title}: ${n.body}\n`);
  }
}
