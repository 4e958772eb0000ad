/** Settlement adapters, chosen by the file's header (never by column position). */
import type { Row, SettlementAdapter, AdapterContext, AdapterOutput, AdapterId } from './common.ts';
import { platformAdapter, platformJsonRows, PLATFORM_COLUMNS } from './platform.ts';
import { stripeAdapter } from './stripe.ts';
import { adyenAdapter } from './adyen.ts';
import { paypalAdapter } from './paypal.ts';
import { vnpayAdapter } from './vnpay.ts';
import { momoAdapter } from './momo.ts';

export type { Row, SettlementAdapter, AdapterContext, AdapterOutput, AdapterId };
export { platformJsonRows, PLATFORM_COLUMNS };

/** In detection order: the most specific headers first. */
export const ADAPTERS: readonly SettlementAdapter[] = [paypalAdapter, stripeAdapter, adyenAdapter, vnpayAdapter, momoAdapter, platformAdapter];

export function adapterById(id: string): SettlementAdapter | undefined {
  return ADAPTERS.find((a) => a.id === id);
}

/** The adapter whose header the rows have, or null. */
export function detectAdapter(rows: readonly Row[]): SettlementAdapter | null {
  const head = rows.slice(0, 50);
  return ADAPTERS.find((a) => a.detect(head)) ?? null;
}

export class UnknownFormatError extends Error {}

/** Detect the format and normalize the rows. */
export function parseSettlementRows(rows: readonly Row[], ctx: AdapterContext, adapterId?: string): AdapterOutput {
  const a = adapterId ? adapterById(adapterId) : detectAdapter(rows);
  if (!a) {
    const first = rows.find((r) => r.cells.some((c) => c.trim() !== ''));
    throw new UnknownFormatError(
      `unrecognised settlement file: the header ${first ? `"${first.cells.slice(0, 8).join(',')}${first.cells.length > 8 ? ',…' : ''}"` : '(empty file)'} matches none of ${ADAPTERS.map((x) => x.label).join('; ')}`,
    );
  }
  return a.parse(rows, ctx);
}
