import { describe, it, expect } from 'vitest';
import { startPlatform } from '../../../src/platform-sim/server.ts';
import { createSyncEngine } from '../../../src/main/node/sync/index.ts';
import { freshDb, count } from '../../unit/store/helpers.ts';

describe('sync against the demo platform over HTTP', () => {
  it('pulls the whole feed; the platform\'s malformed events are quarantined with the field it reports', async () => {
    const p = await startPlatform({ port: 0, seed: 7, days: 4, users: 300, token: 'demo-secret', endDate: '2026-01-10', live: false });
    const o = freshDb();
    try {
      const s = await createSyncEngine({ db: o.db, platformUrl: p.url, token: p.token, pageSize: 1000 }).run();
      expect(s.state).toBe('done');
      expect(s.fetched).toBeGreaterThan(1000);
      expect(s.fetched).toBe(s.total);
      expect(s.inserted + s.quarantined + s.duplicates).toBe(s.fetched);
      const inj = await p.injectionsAsync();
      expect(s.quarantined).toBe(inj.malformed.length);
      const q = o.db.prepare('SELECT event_id, field FROM quarantine ORDER BY event_id').all();
      expect(q).toEqual(inj.malformed.map((m) => ({ event_id: m.id, field: m.field })).sort((a, b) => (a.event_id < b.event_id ? -1 : 1)));
      expect(count(o.db, 'events')).toBe(s.inserted);
      expect(count(o.db, 'orders')).toBeGreaterThan(0);
      const again = await createSyncEngine({ db: o.db, platformUrl: p.url, token: p.token }).run();
      expect(again).toMatchObject({ state: 'done', inserted: 0 });
    } finally {
      o.close();
      await p.close();
    }
  });
});
