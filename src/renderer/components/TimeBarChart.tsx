/**
 * A small responsive SVG bar chart over equal time buckets (e.g. GMV per 15 minutes), with a
 * y axis, hour labels on the x axis and a hover tooltip. Values are integers (minor units).
 */
import { useState, type MouseEvent } from 'react';
import Box from '@mui/material/Box';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import { bandIndexAt, bands, hourTickSlots, linearY, niceTicks } from './chartScale.ts';
import { useElementWidth } from './useElementWidth.ts';
import { formatTime } from '../format.ts';

export interface TimeBar { t: number; value: number; detail?: string }

export interface TimeBarChartProps {
  bars: TimeBar[];
  /** total number of slots on the x axis (bars beyond bars.length are empty, e.g. the rest of the day) */
  slots: number;
  start: number;
  bucketMinutes: number;
  timezone: string;
  height?: number;
  /** y-axis tick label */
  formatTick: (v: number) => string;
  /** tooltip value line */
  formatValue: (v: number) => string;
  /** highlight the last bar as in progress */
  lastPartial?: boolean;
  ariaLabel: string;
}

const M = { top: 10, right: 12, bottom: 24, left: 56 };

export function TimeBarChart(props: TimeBarChartProps) {
  const theme = useTheme();
  const [ref, width] = useElementWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const height = props.height ?? 220;
  const slots = Math.max(props.slots, props.bars.length, 1);
  const max = props.bars.reduce((m, b) => Math.max(m, b.value), 0);
  const { max: yMax, ticks } = niceTicks(max, 4);
  const plotW = Math.max(10, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const y = linearY(yMax, M.top + plotH, M.top);
  const b = bands(slots, M.left, plotW, slots > 48 ? 0.15 : 0.25);
  const xTicks = hourTickSlots(slots, props.bucketMinutes, plotW);
  const bucketMs = props.bucketMinutes * 60_000;

  function onMove(e: MouseEvent<SVGRectElement>) {
    const rect = (e.currentTarget.ownerSVGElement ?? e.currentTarget).getBoundingClientRect();
    const i = bandIndexAt(e.clientX - rect.left, slots, M.left, plotW);
    setHover(i >= 0 && i < props.bars.length ? i : null);
  }

  const hb = hover !== null ? props.bars[hover] : undefined;
  // Beside the hovered bar (right of it, or left near the right edge), level with its top.
  const TIP_W = 150;
  const barCenter = hover !== null ? b.x(hover) + b.bandWidth / 2 : 0;
  const tipLeft = barCenter + 10 + TIP_W > width ? barCenter - 10 - TIP_W : barCenter + 10;
  const tipTop = hb ? Math.max(0, Math.min(y(hb.value), M.top + plotH - 60) - 8) : 0;

  return (
    <Box ref={ref} sx={{ position: 'relative', width: '100%' }}>
      <svg width={width} height={height} role="img" aria-label={props.ariaLabel} style={{ display: 'block' }}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={M.left} x2={M.left + plotW} y1={y(t)} y2={y(t)} stroke={theme.palette.divider} strokeDasharray={t === 0 ? undefined : '3 3'} />
            <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end" fontSize={11} fill={theme.palette.text.secondary}>
              {props.formatTick(t)}
            </text>
          </g>
        ))}
        {xTicks.map((i) => (
          <g key={i}>
            <line x1={M.left + i * b.step} x2={M.left + i * b.step} y1={M.top + plotH} y2={M.top + plotH + 4} stroke={theme.palette.text.disabled} />
            <text x={M.left + i * b.step} y={M.top + plotH + 16} textAnchor="middle" fontSize={11} fill={theme.palette.text.secondary}>
              {formatTime(props.start + i * bucketMs, props.timezone)}
            </text>
          </g>
        ))}
        {props.bars.map((bar, i) => {
          if (bar.value <= 0) return null;
          const top = y(bar.value);
          const partial = props.lastPartial && i === props.bars.length - 1;
          return (
            <rect
              key={bar.t}
              x={b.x(i)}
              y={top}
              width={b.bandWidth}
              height={Math.max(1, M.top + plotH - top)}
              rx={Math.min(2, b.bandWidth / 4)}
              fill={hover === i ? theme.palette.primary.dark : theme.palette.primary.main}
              opacity={partial ? 0.5 : hover === null || hover === i ? 0.9 : 0.6}
            />
          );
        })}
        <rect
          x={M.left}
          y={M.top}
          width={plotW}
          height={plotH}
          fill="transparent"
          onMouseMove={onMove}
          onMouseLeave={() => setHover(null)}
          data-testid="chart-hover-area"
        />
      </svg>
      {hb && hover !== null ? (
        <Paper
          elevation={4}
          sx={{
            position: 'absolute', top: tipTop, left: Math.max(0, tipLeft), minWidth: TIP_W, boxSizing: 'border-box',
            pointerEvents: 'none', px: 1.25, py: 0.75, whiteSpace: 'nowrap',
          }}
          data-testid="chart-tooltip"
        >
          <Typography variant="caption" color="text.secondary" component="div">
            {formatTime(hb.t, props.timezone)}–{formatTime(hb.t + bucketMs, props.timezone)}
            {props.lastPartial && hover === props.bars.length - 1 ? ' (so far)' : ''}
          </Typography>
          <Typography variant="body2" sx={{ fontWeight: 600 }}>{props.formatValue(hb.value)}</Typography>
          {hb.detail ? <Typography variant="caption" component="div">{hb.detail}</Typography> : null}
        </Paper>
      ) : null}
    </Box>
  );
}
