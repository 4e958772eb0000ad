/**
 * Drill-down: the units that dropped at step N (reached N, not N+1), oldest entry first, with the
 * last events of their attempt and the error/failure events after their last step reached.
 */
import type { EventColumns } from '../columns.ts';
import { dimLabel, UNKNOWN } from './aggregate.ts';
import { ERROR_TYPES, unitKey, type FunnelComputation } from './kernel.ts';
import type { DrilldownPage, DroppedUnit, UnitEvent, Watermark } from './types.ts';

export const LAST_EVENTS = 10;

export interface DrilldownInput {
  cols: EventColumns;
  comp: FunnelComputation;
  /** session code -> user code */
  sessionUsers: Uint32Array;
  step: number;
  offset: number;
  limit: number;
  watermark: Watermark;
  segmentLabels?: readonly string[];
}

/** Indices (into the computation's unit arrays) of the units that dropped at `step`, by entry time then seq. */
export function droppedUnits(comp: FunnelComputation, step: number): number[] {
  const idx: number[] = [];
  if (step >= comp.nSteps) return idx;
  for (let i = 0; i < comp.unitCount; i++) if (comp.depth[i] === step) idx.push(i);
  idx.sort((x, y) => comp.anchorTime[x]! - comp.anchorTime[y]! || comp.anchorRow[x]! - comp.anchorRow[y]!);
  return idx;
}

export function drilldown(inp: DrilldownInput): DrilldownPage {
  const { cols, comp, sessionUsers, step, watermark } = inp;
  if (!Number.isInteger(step) || step < 1 || step > comp.nSteps) throw new RangeError(`step must be 1..${comp.nSteps}`);
  const all = droppedUnits(comp, step);
  const page = all.slice(inp.offset, inp.offset + inp.limit);
  const W = comp.query.spec.windowMs;
  const byUser = comp.query.unit === 'user';
  const S = comp.sessionBase;

  // which page entry each row belongs to
  const bySession = new Map<number, number>();
  const byUserCode = new Map<number, number>();
  const derivedByUser = new Map<number, number[]>();
  page.forEach((ui, j) => {
    const u = comp.unitId[ui]!;
    if (byUser) byUserCode.set(u, j);
    else if (u > S) {
      const uc = comp.derivedUser[u - S - 1]!;
      const l = derivedByUser.get(uc) ?? [];
      l.push(j);
      derivedByUser.set(uc, l);
    } else bySession.set(u, j);
  });
  const rowsOf: number[][] = page.map(() => []);
  if (page.length > 0) {
    let minT = Infinity, maxT = -Infinity;
    for (const ui of page) {
      minT = Math.min(minT, comp.anchorTime[ui]!);
      maxT = Math.max(maxT, comp.anchorTime[ui]! + W);
    }
    const time = cols.time, ses = cols.codes.session, usr = cols.codes.user;
    for (let i = 0; i < cols.length; i++) {
      const t = time[i]!;
      if (t < minT || t > maxT) continue;
      const s = ses[i]!;
      let j: number | undefined;
      if (byUser) j = byUserCode.get(s !== 0 ? (sessionUsers[s] ?? 0) : usr[i]!);
      else if (s !== 0) j = bySession.get(s);
      else if (usr[i] !== 0) {
        const cands = derivedByUser.get(usr[i]!);
        if (cands) {
          for (const c of cands) {
            const d = comp.unitId[page[c]!]! - S - 1;
            if (t >= comp.derivedStart[d]! && t <= comp.derivedEnd[d]!) { j = c; break; }
          }
        }
      }
      if (j === undefined) continue;
      const ui = page[j]!;
      if (t < comp.anchorTime[ui]! || t > comp.anchorTime[ui]! + W) continue;
      rowsOf[j]!.push(i);
    }
  }
  const errorTypes = new Set(ERROR_TYPES);
  const ev = (i: number): UnitEvent => ({ type: cols.dicts.type.value(cols.codes.type[i]!) ?? '', time: cols.time[i]!, code: cols.dicts.code.value(cols.codes.code[i]!) });
  const rows: DroppedUnit[] = page.map((ui, j) => {
    const rs = rowsOf[j]!.sort((x, y) => cols.time[x]! - cols.time[y]! || x - y);
    const lastRow = comp.lastRow[ui]!, lastTime = comp.lastTime[ui]!;
    const after = rs.filter((i) => cols.time[i]! > lastTime || (cols.time[i] === lastTime && i > lastRow));
    const anchor = comp.anchorRow[ui]!;
    const { key, userCode } = unitKey(cols, comp, comp.unitId[ui]!);
    const uc = userCode >= 0 ? userCode : (sessionUsers[comp.unitId[ui]!] ?? 0);
    return {
      unit: key,
      userId: cols.dicts.user.value(uc),
      device: cols.dicts.device.value(cols.codes.device[anchor]!) ?? UNKNOWN,
      source: cols.dicts.source.value(cols.codes.source[anchor]!) ?? UNKNOWN,
      segment: dimLabel(cols, comp, 'segment', comp.segmentCode[ui]!, inp.segmentLabels ?? comp.segmentLabels),
      category: dimLabel(cols, comp, 'category', comp.categoryCode[ui]!),
      enteredAt: comp.anchorTime[ui]!,
      lastStepAt: lastTime,
      lastEvents: rs.slice(-LAST_EVENTS).map(ev),
      errors: after.filter((i) => errorTypes.has(cols.dicts.type.value(cols.codes.type[i]!) ?? '')).map(ev),
    };
  });
  const s = comp.query.spec.steps[step - 1]!;
  return { step, label: s.label ?? s.eventType, total: all.length, offset: inp.offset, limit: inp.limit, watermark, rows };
}
