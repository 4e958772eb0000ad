/**
 * Time to convert: per step, the time from the previous step (or from the entry), summarised as
 * mean, median, P90 and P95 (nearest rank), with the fixed-bin histogram as small bars; and the
 * overall time to convert (entry → last step).
 */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useTheme } from '@mui/material/styles';
import type { DurationStats, StepMetrics } from '../../../analytics/funnel/types.ts';
import { formatInt } from '../../format.ts';
import { histogramBars } from './funnelsChart.ts';
import { binLabel, formatDurationCompact, formatDurationShort } from './funnelsFormat.ts';

type Basis = 'previous' | 'entry';

export function TimeToConvert(props: { steps: StepMetrics[] }) {
  const [basis, setBasis] = useState<Basis>('previous');
  const last = props.steps.at(-1);
  const overall = last?.timeToConvert ?? null;
  const rows = props.steps.filter((s) => s.step > 1);
  return (
    <Box data-testid="funnel-time-to-convert">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
        <Typography variant="subtitle2" sx={{ flex: 1 }}>Time to convert</Typography>
        <ToggleButtonGroup size="small" exclusive value={basis} onChange={(_, v: Basis | null) => v && setBasis(v)}>
          <ToggleButton value="previous" sx={{ py: 0.25, textTransform: 'none' }}>From previous step</ToggleButton>
          <ToggleButton value="entry" sx={{ py: 0.25, textTransform: 'none' }}>From step 1</ToggleButton>
        </ToggleButtonGroup>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(4, 1fr)', gap: 1, mb: 1.5 }} data-testid="funnel-ttc-overall">
        {(['meanMs', 'medianMs', 'p90Ms', 'p95Ms'] as const).map((k) => (
          <Box key={k} sx={{ bgcolor: 'action.hover', borderRadius: 1, px: 1, py: 0.5 }}>
            <Typography variant="caption" color="text.secondary" component="div">
              Overall {k === 'meanMs' ? 'mean' : k === 'medianMs' ? 'median' : k === 'p90Ms' ? 'P90' : 'P95'}
            </Typography>
            <Typography variant="body1" sx={{ fontWeight: 650 }}>{overall && overall.count > 0 ? formatDurationShort(overall[k]) : '—'}</Typography>
          </Box>
        ))}
      </Box>
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small" sx={{ '& td, & th': { px: 0.75, whiteSpace: 'nowrap' } }}>
          <TableHead>
            <TableRow>
              <TableCell>Step</TableCell>
              <TableCell align="right">Units</TableCell>
              <TableCell align="right">Mean</TableCell>
              <TableCell align="right">Median</TableCell>
              <TableCell align="right">P90</TableCell>
              <TableCell align="right">P95</TableCell>
              <TableCell title="Fixed bins from 0 to 7 days and more">Distribution</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((s) => {
              const d = basis === 'previous' ? s.timeFromPrevious : s.timeToConvert;
              const none = !d || d.count === 0;
              return (
                <TableRow key={s.step}>
                  <TableCell sx={{ maxWidth: 160, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={s.label}>
                    {s.step}. {s.label}
                  </TableCell>
                  <TableCell align="right">{formatInt(d?.count ?? 0)}</TableCell>
                  <TableCell align="right">{none ? '—' : formatDurationCompact(d.meanMs)}</TableCell>
                  <TableCell align="right" sx={{ fontWeight: 600 }}>{none ? '—' : formatDurationCompact(d.medianMs)}</TableCell>
                  <TableCell align="right">{none ? '—' : formatDurationCompact(d.p90Ms)}</TableCell>
                  <TableCell align="right">{none ? '—' : formatDurationCompact(d.p95Ms)}</TableCell>
                  <TableCell>{d && !none ? <MiniHistogram stats={d} /> : null}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </Box>
      <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.75 }}>
        Percentiles by the nearest-rank method (always an observed duration). Bins: 0, 10 s, 30 s, 1, 2, 5, 10, 30 min, 1, 2, 6, 12 h, 1, 3, 7 days.
      </Typography>
    </Box>
  );
}

function MiniHistogram(props: { stats: DurationStats }) {
  const theme = useTheme();
  const W = 96, H = 22;
  const { edgesMs, counts } = props.stats.histogram;
  const bars = histogramBars(counts, W, H);
  const total = counts.reduce((a, b) => a + b, 0);
  return (
    <svg width={W} height={H} role="img" aria-label="histogram" style={{ display: 'block' }}>
      <line x1={0} x2={W} y1={H - 0.5} y2={H - 0.5} stroke={theme.palette.divider} />
      {bars.map((b) => (
        <Tooltip key={b.i} title={`${binLabel(edgesMs, b.i)}: ${formatInt(counts[b.i]!)} (${Math.round((counts[b.i]! / total) * 1000) / 10}%)`} disableInteractive>
          <rect x={b.x} y={b.y} width={b.w} height={b.h} fill={theme.palette.primary.main} opacity={0.8} />
        </Tooltip>
      ))}
    </svg>
  );
}
