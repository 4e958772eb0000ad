/**
 * Conversion over time: units entered per bucket as pale bars (right axis) and the conversion to the
 * last step as a line (left axis), hourly or daily in the business timezone, with a hover tooltip.
 */
import { useState, type MouseEvent } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import type { CountingUnit, Trend } from '../../../analytics/funnel/types.ts';
import { useElementWidth } from '../useElementWidth.ts';
import { formatInt } from '../../format.ts';
import { bandAt, compactCount, pctTick, tickIndices, trendLayout, trendTickLabel } from './funnelsChart.ts';
import { pct, unitWord } from './funnelsFormat.ts';

const M = { top: 12, right: 44, bottom: 24, left: 44 };

export function TrendChart(props: { trend: Trend; unit: CountingUnit; height?: number }) {
  const theme = useTheme();
  const [ref, width] = useElementWidth<HTMLDivElement>(600);
  const [hover, setHover] = useState<number | null>(null);
  const height = props.height ?? 240;
  const { buckets, granularity } = props.trend;
  const L = trendLayout(buckets, width, height, M);
  const ticks = tickIndices(buckets.length, L.plotW, granularity === 'hour' ? 44 : 48, granularity === 'hour' ? [1, 2, 3, 4, 6, 12, 24, 48] : [1, 2, 3, 7, 14, 28, 56]);
  const line = theme.palette.secondary.main;

  function onMove(e: MouseEvent<SVGRectElement>) {
    const rect = (e.currentTarget.ownerSVGElement ?? e.currentTarget).getBoundingClientRect();
    const i = bandAt(e.clientX - rect.left, buckets.length, M.left, L.plotW);
    setHover(i >= 0 ? i : null);
  }

  const hbk = hover !== null ? buckets[hover] : undefined;
  const hp = hover !== null ? L.points[hover] : undefined;
  const TIP_W = 170;
  const tipLeft = hp ? (hp.cx + 10 + TIP_W > width ? hp.cx - 10 - TIP_W : hp.cx + 10) : 0;

  return (
    <Box ref={ref} sx={{ position: 'relative', width: '100%' }} data-testid="funnel-trend">
      <svg width={width} height={height} role="img" aria-label={`Conversion per ${granularity}`} style={{ display: 'block' }}>
        {L.pctTicks.map((t) => (
          <g key={`p${t.v}`}>
            <line x1={M.left} x2={M.left + L.plotW} y1={t.y} y2={t.y} stroke={theme.palette.divider} strokeDasharray={t.v === 0 ? undefined : '3 3'} />
            <text x={M.left - 6} y={t.y} dy="0.32em" textAnchor="end" fontSize={11} fill={line}>{pctTick(t.v)}</text>
          </g>
        ))}
        {L.countTicks.map((t) => (
          <text key={`c${t.v}`} x={M.left + L.plotW + 6} y={t.y} dy="0.32em" textAnchor="start" fontSize={11} fill={theme.palette.text.secondary}>{compactCount(t.v)}</text>
        ))}
        {L.points.map((p) => (p.barTop < L.base ? (
          <rect key={p.i} x={p.x} y={p.barTop} width={p.w} height={L.base - p.barTop} fill={alpha(theme.palette.primary.main, hover === p.i ? 0.35 : 0.18)} />
        ) : null))}
        <path d={L.path} fill="none" stroke={line} strokeWidth={2} strokeLinejoin="round" />
        {buckets.length <= 60 ? L.points.map((p) => (p.lineY !== null ? <circle key={p.i} cx={p.cx} cy={p.lineY} r={hover === p.i ? 4 : 2.5} fill={line} /> : null)) : null}
        {hp && hp.lineY !== null && buckets.length > 60 ? <circle cx={hp.cx} cy={hp.lineY} r={4} fill={line} /> : null}
        {ticks.map((i) => {
          const p = L.points[i]!;
          return (
            <g key={i}>
              <line x1={p.cx} x2={p.cx} y1={L.base} y2={L.base + 4} stroke={theme.palette.text.disabled} />
              <text x={p.cx} y={L.base + 16} textAnchor="middle" fontSize={11} fill={theme.palette.text.secondary}>{trendTickLabel(buckets[i]!.label, granularity)}</text>
            </g>
          );
        })}
        <rect x={M.left} y={M.top} width={L.plotW} height={L.plotH} fill="transparent" onMouseMove={onMove} onMouseLeave={() => setHover(null)} />
      </svg>
      {hbk && hp ? (
        <Paper elevation={4} sx={{ position: 'absolute', top: 4, left: Math.max(0, tipLeft), width: TIP_W, boxSizing: 'border-box', pointerEvents: 'none', px: 1.25, py: 0.75 }}>
          <Typography variant="caption" color="text.secondary" component="div">{hbk.label}{granularity === 'hour' ? '' : ' (day)'}</Typography>
          <Typography variant="body2" sx={{ fontWeight: 650, color: line }}>{pct(hbk.conversion)} converted</Typography>
          <Typography variant="caption" component="div">{formatInt(hbk.entered)} {unitWord(props.unit, hbk.entered)} entered</Typography>
          <Typography variant="caption" component="div">{formatInt(hbk.completed)} completed</Typography>
        </Paper>
      ) : null}
    </Box>
  );
}
