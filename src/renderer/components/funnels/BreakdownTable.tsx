/**
 * The breakdown: one row per value (or pair of values) of up to two dimensions, top N per dimension
 * plus "other", with units reaching each step and the conversion; sortable by any column.
 */
import { useMemo, useState } from 'react';
import Box from '@mui/material/Box';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import Typography from '@mui/material/Typography';
import { alpha, useTheme } from '@mui/material/styles';
import type { Breakdown, StepMetrics } from '../../../analytics/funnel/types.ts';
import { formatInt } from '../../format.ts';
import { defaultDir, pct, shareOf, sortBreakdown, sortKeyId, type BreakdownSortKey, type SortDir } from './funnelsFormat.ts';

const DIM_LABEL: Record<string, string> = { device: 'Device', source: 'Traffic source', segment: 'Segment', category: 'Category' };

export function BreakdownTable(props: { breakdown: Breakdown; steps: StepMetrics[] }) {
  const theme = useTheme();
  const { breakdown: b, steps } = props;
  const [sort, setSort] = useState<{ key: BreakdownSortKey; dir: SortDir }>({ key: { kind: 'entered' }, dir: 'desc' });
  const rows = useMemo(() => sortBreakdown(b.rows, sort.key, sort.dir), [b.rows, sort]);
  const maxConv = b.rows.reduce((m, r) => Math.max(m, r.conversion ?? 0), 0);

  const head = (key: BreakdownSortKey, label: React.ReactNode, align: 'left' | 'right' = 'right', title?: string) => {
    const active = sortKeyId(sort.key) === sortKeyId(key);
    return (
      <TableCell key={sortKeyId(key)} align={align} sortDirection={active ? sort.dir : false} title={title}
        sx={key.kind === 'step' ? { whiteSpace: 'normal', minWidth: 88, lineHeight: 1.25 } : undefined}>
        <TableSortLabel
          active={active}
          direction={active ? sort.dir : defaultDir(key)}
          onClick={() => setSort(active ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: defaultDir(key) })}
        >
          {label}
        </TableSortLabel>
      </TableCell>
    );
  };

  return (
    <TableContainer sx={{ maxHeight: 480 }}>
      <Table size="small" stickyHeader data-testid="funnel-breakdown-table">
        <TableHead>
          <TableRow>
            {b.dimensions.map((d) => head({ kind: 'dim', dim: d }, DIM_LABEL[d] ?? d, 'left'))}
            {head({ kind: 'entered' }, 'Entered')}
            {steps.slice(1).map((s, k) => head({ kind: 'step', index: k + 1 }, `${s.step}. ${s.label}`, 'right', s.eventType))}
            {head({ kind: 'conversion' }, 'Conversion')}
          </TableRow>
        </TableHead>
        <TableBody>
          {rows.map((r) => {
            const key = b.dimensions.map((d) => r.keys[d]).join('\u0000');
            return (
              <TableRow key={key} hover data-testid="funnel-breakdown-row">
                {b.dimensions.map((d) => {
                  const v = r.keys[d] ?? '';
                  const muted = v === 'other' || v === 'unknown';
                  return (
                    <TableCell key={d} sx={{ fontStyle: muted ? 'italic' : undefined, color: muted ? 'text.secondary' : undefined, whiteSpace: 'nowrap' }} data-dim={d}>
                      {v}
                    </TableCell>
                  );
                })}
                <TableCell align="right" sx={{ fontWeight: 600 }}>{formatInt(r.entered)}</TableCell>
                {steps.slice(1).map((s, k) => {
                  const n = r.reached[k + 1] ?? 0;
                  return (
                    <TableCell key={s.step} align="right" sx={{ whiteSpace: 'nowrap' }}>
                      {formatInt(n)}
                      <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 0.75, display: 'inline-block', minWidth: 38 }}>
                        {pct(shareOf(n, r.entered), 0)}
                      </Typography>
                    </TableCell>
                  );
                })}
                <TableCell align="right" sx={{ minWidth: 120 }}>
                  <Box sx={{ position: 'relative', display: 'flex', justifyContent: 'flex-end', alignItems: 'center' }}>
                    <Box
                      sx={{
                        position: 'absolute', right: 0, top: 2, bottom: 2, borderRadius: 0.5,
                        width: `${maxConv > 0 && r.conversion !== null ? (r.conversion / maxConv) * 100 : 0}%`,
                        bgcolor: alpha(theme.palette.success.main, 0.14),
                      }}
                    />
                    <Typography variant="body2" sx={{ position: 'relative', fontWeight: 600, pr: 0.5 }}>{pct(r.conversion)}</Typography>
                  </Box>
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
