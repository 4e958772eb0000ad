/** Append-only audit log: who did what, when, with the state before and after. */
import type { Database } from '../db/index.ts';

export interface AuditEntry { at: number; actor: string; action: string; entity: string; entityId: string; before: unknown; after: unknown }

export function audit(db: Database, e: AuditEntry): void {
  db.prepare('INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    e.at, e.actor, e.action, e.entity, e.entityId,
    e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
    e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
  );
}
