/** The opt-in funnel drop-off incident of the demo platform: where it lands and what it leaves alone. */
import { describe, expect, it } from 'vitest';
import { MarketSim } from '../../../src/platform-sim/generator.ts';
import { dayRange } from '../../../src/analytics/calendar.ts';

const P = { seed: 4, days: 9, users: 1500, endDate: '2025-06-30', now: Date.parse('2025-07-02T00:00:00Z') };
const TZ = 'Asia/Ho_Chi_Minh';

describe('dropoffIncident', () => {
  const off = new MarketSim(P);
  const on = new MarketSim({ ...P, dropoffIncident: true });

  it('is off by default and changes nothing then', () => {
    expect(off.outages).toEqual([]);
    expect(new MarketSim({ ...P, dropoffIncident: false }).params.tag).toBe(off.params.tag);
    expect(on.params.tag).not.toBe(off.params.tag);
  });

  it('is an android wallet outage on the day before the end date, 18:00-22:00 local', () => {
    expect(on.outages).toHaveLength(1);
    const o = on.outages[0]!;
    expect(o).toMatchObject({ kind: 'payment_method_outage', device: 'android', failureCode: 'wallet_unavailable' });
    expect(o.start).toBe(dayRange('2025-06-29', TZ).start + 18 * 3_600_000);
    expect(o.end - o.start).toBe(4 * 3_600_000);
  });

  it('leaves the days before it identical and fails only android wallet payments inside the window', () => {
    for (let i = 0; i < 7; i++) expect(on.rawDay(i)).toEqual(off.rawDay(i));
    const o = on.outages[0]!;
    const fails = on.rawDay(7).filter((e) => e.type === 'payment.failed' && e.data.failure_code === 'wallet_unavailable');
    expect(fails.length).toBeGreaterThan(5);
    for (const e of fails) {
      expect(e.data.device).toBe('android');
      expect(o.methods).toContain(e.data.method);
      expect(e.t).toBeGreaterThanOrEqual(o.start);
      expect(e.t).toBeLessThan(o.end + 3_600_000); // the failure follows the attempt by seconds
    }
    expect(off.rawDay(7).some((e) => e.type === 'payment.failed' && e.data.failure_code === 'wallet_unavailable')).toBe(false);
  });
});
