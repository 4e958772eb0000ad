/**
 * 0004: compact event storage for fast ingest. Never edit after it has landed.
 *
 * - `event_log` holds the raw events. Low-cardinality text columns (source, device, traffic_source,
 *   category, currency, code, experiment_id, variant, origin) are stored as integer codes into
 *   `event_strings` (columns prefixed `s_`): cheaper to bind and smaller rows. `type` stays text so
 *   the (type, time) index serves `WHERE type = ?` through the view. `data` is the payload's JSON
 *   text as received.
 * - Dedup by event id no longer uses a UNIQUE index on `id_hash` (a random-order B-tree: every big
 *   write dirtied most of its pages): the ingest writer keeps an exact in-memory index of
 *   id_hash -> seq, rebuilt from `event_log (seq, id_hash)` and checked against the database under
 *   the write lock (src/main/node/ingest/dedup.ts). The id_hash + probing design is unchanged.
 * - `events` becomes a view with the same columns as before, so readers keep working; an INSTEAD
 *   OF INSERT trigger keeps plain SQL inserts into `events` working too (tests, tools). Readers of
 *   big scans that need the coded columns can read `event_log` and `event_strings` directly.
 */
import type { Migration } from './types.ts';

const CODED = ['source', 'device', 'traffic_source', 'category', 'currency', 'code', 'experiment_id', 'variant', 'origin'] as const;
/** `expr` must be qualified (o.code, NEW.code): a bare `code` would name event_strings.code */
const code = (expr: string): string => `(SELECT code FROM event_strings WHERE value = ${expr})`;
const value = (col: string): string => `(SELECT value FROM event_strings WHERE code = e.s_${col})`;

export const migration: Migration = {
  id: 4,
  name: 'event_log',
  sql: `
CREATE TABLE event_strings (
  code  INTEGER PRIMARY KEY,
  value TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE event_log (
  seq              INTEGER PRIMARY KEY,
  id_hash          INTEGER NOT NULL,
  id               TEXT NOT NULL,
  type             TEXT NOT NULL,
  s_source         INTEGER NOT NULL,
  time             INTEGER NOT NULL,
  subject          TEXT,
  session_id       TEXT,
  user_id          TEXT,
  s_device         INTEGER,
  s_traffic_source INTEGER,
  s_category       INTEGER,
  amount           INTEGER,
  s_currency       INTEGER,
  s_code           INTEGER,
  s_experiment_id  INTEGER,
  s_variant        INTEGER,
  ref              TEXT,
  data             TEXT NOT NULL,
  s_origin         INTEGER,
  ingested_at      INTEGER
) STRICT;

INSERT INTO event_strings (value)
  ${CODED.map((c) => `SELECT ${c} FROM events WHERE ${c} IS NOT NULL`).join('\n  UNION ')};

INSERT INTO event_log (seq, id_hash, id, type, s_source, time, subject, session_id, user_id, s_device, s_traffic_source, s_category,
    amount, s_currency, s_code, s_experiment_id, s_variant, ref, data, s_origin, ingested_at)
  SELECT o.seq, o.id_hash, o.id, o.type, ${code('o.source')}, o.time, o.subject, o.session_id, o.user_id, ${code('o.device')},
    ${code('o.traffic_source')}, ${code('o.category')}, o.amount, ${code('o.currency')}, ${code('o.code')}, ${code('o.experiment_id')},
    ${code('o.variant')}, o.ref, o.data, ${code('o.origin')}, o.ingested_at
  FROM events o ORDER BY o.seq;

DROP TABLE events;

-- Partitioning by service, event type and date: the type names its service, so (type, time) serves
-- all three. Keep the index count minimal on this table (each costs ingest time).
CREATE INDEX event_log_type_time ON event_log (type, time);

CREATE VIEW events AS
SELECT e.seq, e.id_hash, e.id, e.type, ${value('source')} AS source, e.time, e.subject, e.session_id, e.user_id,
  ${value('device')} AS device, ${value('traffic_source')} AS traffic_source, ${value('category')} AS category,
  e.amount, ${value('currency')} AS currency, ${value('code')} AS code, ${value('experiment_id')} AS experiment_id,
  ${value('variant')} AS variant, e.ref, e.data, ${value('origin')} AS origin, e.ingested_at
FROM event_log e;

CREATE TRIGGER events_insert INSTEAD OF INSERT ON events
BEGIN
  INSERT OR IGNORE INTO event_strings (value)
    ${CODED.map((c) => `SELECT NEW.${c} WHERE NEW.${c} IS NOT NULL`).join('\n    UNION ALL ')};
  INSERT INTO event_log (seq, id_hash, id, type, s_source, time, subject, session_id, user_id, s_device, s_traffic_source, s_category,
      amount, s_currency, s_code, s_experiment_id, s_variant, ref, data, s_origin, ingested_at)
    VALUES (NEW.seq, NEW.id_hash, NEW.id, NEW.type, ${code('NEW.source')}, NEW.time, NEW.subject, NEW.session_id, NEW.user_id,
      ${code('NEW.device')}, ${code('NEW.traffic_source')}, ${code('NEW.category')}, NEW.amount, ${code('NEW.currency')},
      ${code('NEW.code')}, ${code('NEW.experiment_id')}, ${code('NEW.variant')}, NEW.ref, NEW.data, ${code('NEW.origin')}, NEW.ingested_at);
END;
`,
};
