/** The exceptions queue of a run: filters, sortable columns, paging; a row opens the detail drawer. */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import TableSortLabel from '@mui/material/TableSortLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ApiArgs } from '../../../main/common/api.ts';
import type { ReconItemRow } from '../../../main/common/api-reconciliation.ts';
import { STATUSES, type ReconStatus } from '../../../analytics/reconcile/types.ts';
import { useApiQuery } from '../../api/ApiContext.tsx';
import { formatInt } from '../../format.ts';
import { DASH, money, STATUS_LABEL, statusColor } from '../../pages/reconFormat.ts';

export type Queue = NonNullable<ApiArgs<'recon.items'>['queue']>;
type Sort = NonNullable<ApiArgs<'recon.items'>['sort']>;

export interface QueueFilter { queue: Queue; status: ReconStatus | ''; gateway: string; currency: string; q: string }

const COLUMNS: { id: Sort | null; label: string; align?: 'right' }[] = [
  { id: 'status', label: 'Status' },
  { id: 'payment_id', label: 'Payment' },
  { id: 'gateway', label: 'Gateway' },
  { id: null, label: 'Gateway txn' },
  { id: 'captured', label: 'Captured', align: 'right' },
  { id: 'settled', label: 'Settled', align: 'right' },
  { id: 'abs_discrepancy', label: 'Discrepancy', align: 'right' },
  { id: 'age', label: 'Age', align: 'right' },
  { id: null, label: 'State' },
];

export function ExceptionsQueue(props: {
  runId: number; gateways: string[]; currencies: string[]; filter: QueueFilter; onFilter: (f: QueueFilter) => void;
  onOpen: (item: ReconItemRow) => void; reloadKey: number;
}) {
  const { filter } = props;
  const [sort, setSort] = useState<Sort>('abs_discrepancy');
  const [dir, setDir] = useState<'asc' | 'desc'>('desc');
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(25);
  const args: ApiArgs<'recon.items'> = {
    runId: props.runId, queue: filter.queue, status: filter.status ? [filter.status] : undefined, gateway: filter.gateway || undefined,
    currency: filter.currency || undefined, q: filter.q || undefined, sort, dir, limit: size, offset: page * size,
  };
  const q = useApiQuery('recon.items', args, JSON.stringify(args) + props.reloadKey);
  const set = (p: Partial<QueueFilter>) => {
    setPage(0);
    props.onFilter({ ...filter, ...p });
  };
  const onSort = (id: Sort) => {
    if (sort === id) setDir(dir === 'asc' ? 'desc' : 'asc');
    else {
      setSort(id);
      setDir(id === 'abs_discrepancy' || id === 'age' ? 'desc' : 'asc');
    }
  };
  const rows = q.data?.items ?? [];
  return (
    <Paper variant="outlined" data-testid="recon-queue">
      <Box sx={{ display: 'flex', gap: 1, p: 1.5, flexWrap: 'wrap', alignItems: 'center' }}>
        <Typography variant="subtitle2" sx={{ mr: 1 }}>Exceptions queue</Typography>
        <TextField select label="Queue" value={filter.queue} onChange={(e) => set({ queue: e.target.value as Queue })} sx={{ minWidth: 150 }} slotProps={{ htmlInput: { 'data-testid': 'recon-filter-queue' } }}>
          <MenuItem value="open">Open exceptions</MenuItem>
          <MenuItem value="exceptions">All exceptions</MenuItem>
          <MenuItem value="resolved">Resolved</MenuItem>
          <MenuItem value="pending">Pending settlement</MenuItem>
          <MenuItem value="all">Every item</MenuItem>
        </TextField>
        <TextField select label="Status" value={filter.status} onChange={(e) => set({ status: e.target.value as ReconStatus | '' })} sx={{ minWidth: 170 }}>
          <MenuItem value="">Any status</MenuItem>
          {STATUSES.map((s) => <MenuItem key={s} value={s}>{STATUS_LABEL[s]}</MenuItem>)}
        </TextField>
        <TextField select label="Gateway" value={filter.gateway} onChange={(e) => set({ gateway: e.target.value })} sx={{ minWidth: 120 }}>
          <MenuItem value="">Any gateway</MenuItem>
          {props.gateways.map((g) => <MenuItem key={g} value={g}>{g}</MenuItem>)}
        </TextField>
        <TextField select label="Currency" value={filter.currency} onChange={(e) => set({ currency: e.target.value })} sx={{ minWidth: 110 }}>
          <MenuItem value="">Any</MenuItem>
          {props.currencies.map((c) => <MenuItem key={c} value={c}>{c}</MenuItem>)}
        </TextField>
        <TextField label="Search id" value={filter.q} onChange={(e) => set({ q: e.target.value })} placeholder="payment, order or txn id" sx={{ minWidth: 220, flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'recon-filter-q', spellCheck: false } }} />
      </Box>
      {q.loading ? <LinearProgress sx={{ height: 2 }} /> : <Box sx={{ height: 2 }} />}
      {q.error ? <Alert severity="error">{q.error}</Alert> : null}
      <TableContainer>
        <Table data-testid="recon-queue-table">
          <TableHead>
            <TableRow>
              {COLUMNS.map((c) => (
                <TableCell key={c.label} align={c.align}>
                  {c.id ? (
                    <TableSortLabel active={sort === c.id} direction={sort === c.id ? dir : 'asc'} onClick={() => onSort(c.id!)}>{c.label}</TableSortLabel>
                  ) : c.label}
                </TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.length === 0 && !q.loading ? (
              <TableRow><TableCell colSpan={COLUMNS.length}><Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>Nothing here.</Typography></TableCell></TableRow>
            ) : rows.map((r) => (
              <TableRow key={r.key} hover sx={{ cursor: 'pointer' }} onClick={() => props.onOpen(r)} tabIndex={0} data-testid="recon-queue-row"
                onKeyDown={(e) => { if (e.key === 'Enter') props.onOpen(r); }}>
                <TableCell><Chip label={STATUS_LABEL[r.status]} color={statusColor(r.status, r.review)} variant={r.review === 'exception' ? 'filled' : 'outlined'} />{r.recordType !== 'settlement' ? <Typography component="span" variant="caption" color="text.secondary"> {r.recordType}</Typography> : null}</TableCell>
                <TableCell sx={{ maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={r.key}><code>{r.paymentId ?? DASH}</code></TableCell>
                <TableCell>{r.gateway}</TableCell>
                <TableCell sx={{ maxWidth: 160, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}><code>{r.gatewayTxnId ?? DASH}</code></TableCell>
                <TableCell align="right">{money(r.captured, r.currency)}</TableCell>
                <TableCell align="right">{money(r.settled, r.settledCurrency)}</TableCell>
                <TableCell align="right" sx={{ fontWeight: 600, color: r.discrepancy ? 'error.main' : undefined }}>{r.status === 'currency_mismatch' ? 'n/a (currencies)' : money(r.discrepancy, r.currency)}</TableCell>
                <TableCell align="right">{r.ageDays === null ? DASH : `${r.ageDays} d`}</TableCell>
                <TableCell>
                  {r.state === 'resolved' ? <Chip color="success" variant="outlined" label={`resolved · ${r.resolution?.kind?.replace('_', ' ')}`} />
                    : r.state === 'open' ? <Chip color={r.review === 'pending' ? 'default' : 'warning'} variant="outlined" label={r.review === 'pending' ? 'pending' : r.staleResolution ? 'open (changed)' : 'open'} />
                      : DASH}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      <TablePagination
        component="div" count={q.data?.total ?? 0} page={page} rowsPerPage={size} rowsPerPageOptions={[25, 50, 100]}
        onPageChange={(_e, p) => setPage(p)} onRowsPerPageChange={(e) => { setSize(Number(e.target.value)); setPage(0); }}
        labelDisplayedRows={({ from, to, count }) => `${formatInt(from)}–${formatInt(to)} of ${formatInt(count)}`}
      />
    </Paper>
  );
}
