/** Rows that failed validation (quarantine.list), paginated; a row opens its raw payload. */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { QuarantineRow } from '../../main/common/types.ts';
import { useApiQuery } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { RawPayload } from '../components/RawPayload.tsx';
import { DASH, formatDateTime, formatInt } from '../format.ts';
import { describeLocation } from './quarantineFormat.ts';

const PAGE_SIZES = [25, 50, 100];

export function QuarantinePage(props: { page: number; pageSize: number; onPage: (page: number, pageSize: number) => void }) {
  const { timezone } = useAppData();
  const pageSize = PAGE_SIZES.includes(props.pageSize) ? props.pageSize : 25;
  const page = Math.max(0, props.page);
  const q = useApiQuery('quarantine.list', { limit: pageSize, offset: page * pageSize }, `${page}:${pageSize}`);
  const [open, setOpen] = useState<QuarantineRow | null>(null);
  const rows = q.data?.rows ?? [];
  const total = q.data?.total ?? 0;

  return (
    <Box>
      <PageHeader
        title="Quarantine"
        subtitle="Input rows that failed validation. They are kept as received and never counted in reports."
        actions={<Button variant="outlined" onClick={q.reload} disabled={q.loading}>Refresh</Button>}
      />
      {q.error ? <Alert severity="error" sx={{ mb: 2 }}>{q.error}</Alert> : null}
      <Paper variant="outlined">
        {q.loading ? <LinearProgress sx={{ height: 2 }} /> : <Box sx={{ height: 2 }} />}
        <TableContainer>
          <Table data-testid="quarantine-table">
            <TableHead>
              <TableRow>
                <TableCell>Time</TableCell>
                <TableCell>Origin</TableCell>
                <TableCell>Location</TableCell>
                <TableCell>Event id</TableCell>
                <TableCell>Type</TableCell>
                <TableCell>Field</TableCell>
                <TableCell>Reason</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.length === 0 && !q.loading ? (
                <TableRow>
                  <TableCell colSpan={7}>
                    <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>Nothing in quarantine.</Typography>
                  </TableCell>
                </TableRow>
              ) : rows.map((r) => (
                <TableRow key={r.id} hover sx={{ cursor: 'pointer' }} onClick={() => setOpen(r)} data-testid="quarantine-row"
                  tabIndex={0} onKeyDown={(e) => { if (e.key === 'Enter') setOpen(r); }}>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.quarantinedAt, timezone, { seconds: true })}</TableCell>
                  <TableCell sx={{ maxWidth: 240, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={r.origin}>{r.origin}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{describeLocation(r)}</TableCell>
                  <TableCell sx={{ maxWidth: 200, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}><code>{r.eventId ?? DASH}</code></TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.eventType ?? DASH}</TableCell>
                  <TableCell><code>{r.field || DASH}</code></TableCell>
                  <TableCell>{r.reason}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
        <TablePagination
          component="div"
          count={total}
          page={total > 0 && page * pageSize >= total ? Math.max(0, Math.ceil(total / pageSize) - 1) : page}
          rowsPerPage={pageSize}
          rowsPerPageOptions={PAGE_SIZES}
          onPageChange={(_e, p) => props.onPage(p, pageSize)}
          onRowsPerPageChange={(e) => props.onPage(0, Number(e.target.value))}
          labelDisplayedRows={({ from, to, count }) => `${formatInt(from)}–${formatInt(to)} of ${formatInt(count)}`}
        />
      </Paper>
      <Dialog open={open !== null} onClose={() => setOpen(null)} maxWidth="md" fullWidth>
        {open ? (
          <>
            <DialogTitle>Quarantined row #{open.id}</DialogTitle>
            <DialogContent dividers>
              <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.5, mt: 0, mb: 2, '& dt': { color: 'text.secondary' }, '& dd': { m: 0, wordBreak: 'break-all' } }}>
                <dt>Quarantined</dt><dd>{formatDateTime(open.quarantinedAt, timezone, { seconds: true })} ({timezone})</dd>
                <dt>Origin</dt><dd>{open.origin}</dd>
                <dt>Location</dt><dd>{describeLocation(open)}</dd>
                <dt>Event</dt><dd>{open.eventId ?? DASH} · {open.eventType ?? DASH}</dd>
                <dt>Field</dt><dd><code>{open.field || DASH}</code></dd>
                <dt>Reason</dt><dd>{open.reason}</dd>
              </Box>
              <Typography variant="subtitle2" sx={{ mb: 0.5 }}>Raw payload</Typography>
              <RawPayload raw={open.raw} />
            </DialogContent>
            <DialogActions>
              <Button onClick={() => navigator.clipboard?.writeText(open.raw).catch(() => {})}>Copy raw</Button>
              <Button variant="contained" onClick={() => setOpen(null)}>Close</Button>
            </DialogActions>
          </>
        ) : null}
      </Dialog>
    </Box>
  );
}
