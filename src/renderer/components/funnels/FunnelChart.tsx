/**
 * The funnel as SVG bars: one per step, height = units entered. Above each bar: conversion from the
 * previous step and from step 1; the drop from the previous step is drawn as a pale band; below:
 * the step's label and its dropped units (click → drill-down). Hover shows the step's details.
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import type { CountingUnit, StepMetrics } from '../../../analytics/funnel/types.ts';
import { useElementWidth } from '../useElementWidth.ts';
import { formatInt } from '../../format.ts';
import { compactCount, fitLabel, funnelLayout } from './funnelsChart.ts';
import { formatDurationShort, pct, unitWord } from './funnelsFormat.ts';

const M = { top: 40, right: 12, bottom: 50, left: 52 };

export function FunnelChart(props: { steps: StepMetrics[]; unit: CountingUnit; onDrill: (step: number) => void; height?: number }) {
  const theme = useTheme();
  const [ref, width] = useElementWidth<HTMLDivElement>(900);
  const [hover, setHover] = useState<number | null>(null);
  const height = props.height ?? 320;
  const { steps } = props;
  const L = funnelLayout(steps.map((s) => s.entered), width, height, M);
  const hs = hover !== null ? steps[hover] : undefined;
  const hb = hover !== null ? L.bars[hover] : undefined;
  const TIP_W = 230;
  const tipLeft = hb ? (hb.x + hb.w + 8 + TIP_W > width ? Math.max(0, hb.x - 8 - TIP_W) : hb.x + hb.w + 8) : 0;
  const tipTop = hb ? Math.max(0, Math.min(hb.top, height - 170)) : 0;
  const dropColor = theme.palette.error.main;

  return (
    <Box ref={ref} sx={{ position: 'relative', width: '100%' }} data-testid="funnel-chart">
      <svg width={width} height={height} role="img" aria-label="Funnel: units entered per step" style={{ display: 'block' }}>
        {L.yTicks.map((t) => (
          <g key={t.v}>
            <line x1={M.left} x2={M.left + L.plotW} y1={t.y} y2={t.y} stroke={theme.palette.divider} strokeDasharray={t.v === 0 ? undefined : '3 3'} />
            <text x={M.left - 6} y={t.y} dy="0.32em" textAnchor="end" fontSize={11} fill={theme.palette.text.secondary}>{compactCount(t.v)}</text>
          </g>
        ))}
        {L.bars.map((b) => {
          const s = steps[b.i]!;
          const active = hover === null || hover === b.i;
          const labelY = Math.min(b.ghostTop, b.top) - 8;
          return (
            <g key={b.i} onMouseEnter={() => setHover(b.i)} onMouseLeave={() => setHover(null)}>
              {/* hover target: the whole band */}
              <rect x={b.x - (L.step - b.w) / 2} y={M.top - 36} width={L.step} height={L.plotH + 36} fill={hover === b.i ? alpha(theme.palette.primary.main, 0.04) : 'transparent'} />
              {b.i > 0 && b.top > b.ghostTop ? (
                <rect x={b.x} y={b.ghostTop} width={b.w} height={b.top - b.ghostTop} fill={alpha(dropColor, 0.1)} stroke={alpha(dropColor, 0.35)} strokeDasharray="3 2" />
              ) : null}
              {s.entered > 0 ? (
                <rect x={b.x} y={b.top} width={b.w} height={Math.max(1, b.base - b.top)} rx={2}
                  fill={theme.palette.primary.main} opacity={active ? 0.92 : 0.55} />
              ) : null}
              <text x={b.cx} y={labelY - 14} textAnchor="middle" fontSize={13} fontWeight={650} fill={theme.palette.text.primary}>
                {b.i === 0 ? '100%' : pct(s.conversionFromPrevious)}
              </text>
              <text x={b.cx} y={labelY} textAnchor="middle" fontSize={10.5} fill={theme.palette.text.secondary}>
                {b.i === 0 ? `${compactCount(s.entered)} entered` : `${pct(s.conversionFromStart)} of step 1`}
              </text>
              {b.top < b.base - 16 && b.w > 40 ? (
                <text x={b.cx} y={b.top + 14} textAnchor="middle" fontSize={11} fontWeight={600} fill="#fff">{compactCount(s.entered)}</text>
              ) : null}
              <text x={b.cx} y={b.base + 15} textAnchor="middle" fontSize={11} fontWeight={600} fill={theme.palette.text.primary}>
                {fitLabel(`${s.step}. ${s.label}`, L.step - 4)}
              </text>
              {s.dropped > 0 && b.i < steps.length - 1 ? (
                <text
                  x={b.cx} y={b.base + 31} textAnchor="middle" fontSize={11} fill={dropColor}
                  style={{ cursor: 'pointer', textDecoration: 'underline' }}
                  onClick={() => props.onDrill(s.step)}
                  role="button"
                  aria-label={`${formatInt(s.dropped)} dropped at step ${s.step}: show them`}
                >
                  ▼ {fitLabel(`${formatInt(s.dropped)} dropped`, L.step - 12)}
                </text>
              ) : b.i === steps.length - 1 ? (
                <text x={b.cx} y={b.base + 31} textAnchor="middle" fontSize={11} fill={theme.palette.success.main}>
                  {fitLabel(`${formatInt(s.entered)} completed`, L.step - 4)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {hs && hb ? (
        <Paper elevation={4} sx={{ position: 'absolute', top: tipTop, left: tipLeft, width: TIP_W, boxSizing: 'border-box', pointerEvents: 'none', px: 1.25, py: 1 }}>
          <Typography variant="caption" color="text.secondary" component="div">Step {hs.step} · <code>{hs.eventType}</code></Typography>
          <Typography variant="body2" sx={{ fontWeight: 650, mb: 0.5 }}>{hs.label}</Typography>
          <TipRow k={`Entered (${unitWord(props.unit)})`} v={formatInt(hs.entered)} />
          {hs.step < steps.length ? <TipRow k="Went on to next step" v={formatInt(hs.converted)} /> : null}
          {hs.step < steps.length ? <TipRow k="Dropped here" v={formatInt(hs.dropped)} /> : null}
          <TipRow k="From previous step" v={pct(hs.conversionFromPrevious)} />
          <TipRow k="From step 1" v={pct(hs.conversionFromStart)} />
          {hs.timeFromPrevious ? <TipRow k="Median time from previous" v={formatDurationShort(hs.timeFromPrevious.medianMs)} /> : null}
          {hs.topDropoffReasons.length ? (
            <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>
              Top errors after dropping: {hs.topDropoffReasons.slice(0, 3).map((r) => `${r.code} (${formatInt(r.units)})`).join(', ')}
            </Typography>
          ) : null}
        </Paper>
      ) : null}
    </Box>
  );
}

function TipRow(props: { k: string; v: string }) {
  return (
    <Box sx={{ display: 'flex', justifyContent: 'space-between', gap: 1 }}>
      <Typography variant="caption" color="text.secondary">{props.k}</Typography>
      <Typography variant="caption" sx={{ fontWeight: 600 }}>{props.v}</Typography>
    </Box>
  );
}
