/**
 * Drill-down: the units that dropped at a step (reached it, not the next one), paged from
 * `funnel.drilldown`, each with its last events and the error / payment-failure codes after its
 * last step. Exports the whole list as CSV or with the workbook.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TablePagination from '@mui/material/TablePagination';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { ApiArgs } from '../../../main/common/api.ts';
import type { CountingUnit, DrilldownPage, DroppedUnit, StepMetrics } from '../../../analytics/funnel/types.ts';
import { useApi, errorMessage } from '../../api/ApiContext.tsx';
import { formatDateTime, formatInt, formatTime } from '../../format.ts';
import { monoFont } from '../../theme.ts';
import { CloseIcon } from '../icons.tsx';
import { DownloadIcon } from './icons.tsx';
import { errorCodes, formatDurationShort, tailEvents, unitWord } from './funnelsFormat.ts';

const ERROR_TYPES = new Set(['error.occurred', 'payment.failed']);

export interface DrilldownTarget { step: StepMetrics; nextLabel: string | null }

export function DrilldownDialog(props: {
  target: DrilldownTarget | null;
  baseArgs: ApiArgs<'funnel.run'>;
  unit: CountingUnit;
  timezone: string;
  exporting: boolean;
  onExport: (format: 'csv' | 'xlsx', step: number) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const { target } = props;
  const [page, setPage] = useState(0);
  const [size, setSize] = useState(25);
  const [data, setData] = useState<DrilldownPage | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const stepNo = target?.step.step ?? null;
  const argsKey = JSON.stringify(props.baseArgs);

  useEffect(() => {
    setPage(0);
    setData(null);
  }, [stepNo, argsKey]);

  useEffect(() => {
    if (stepNo === null) return;
    let live = true;
    setLoading(true);
    setError(null);
    const { requestId: _r, ...base } = props.baseArgs;
    api.call('funnel.drilldown', { ...base, step: stepNo, offset: page * size, limit: size }).then(
      (p) => {
        if (!live) return;
        setData(p);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, stepNo, argsKey, page, size]);

  const s = target?.step;
  return (
    <Dialog open={target !== null} onClose={props.onClose} maxWidth="xl" fullWidth aria-labelledby="funnel-drilldown-title">
      <DialogTitle id="funnel-drilldown-title" sx={{ display: 'flex', alignItems: 'center', gap: 1, pr: 1 }}>
        <Box sx={{ flex: 1 }}>
          Dropped at step {s?.step}: {s?.label}
          <Typography variant="body2" color="text.secondary" component="div" data-testid="funnel-drilldown-summary">
            {s ? <>{formatInt(data?.total ?? s.dropped)} {unitWord(props.unit, s.dropped)} reached <b>{s.label}</b> but not <b>{target?.nextLabel ?? 'the next step'}</b></> : null}
          </Typography>
        </Box>
        <Button startIcon={<DownloadIcon />} variant="outlined" disabled={props.exporting || !s} onClick={() => s && props.onExport('csv', s.step)} data-testid="funnel-export-dropped-csv">CSV</Button>
        <Button startIcon={<DownloadIcon />} variant="outlined" disabled={props.exporting || !s} onClick={() => s && props.onExport('xlsx', s.step)} data-testid="funnel-export-dropped-xlsx">XLSX</Button>
        <IconButton aria-label="close" onClick={props.onClose} data-testid="funnel-drilldown-close"><CloseIcon /></IconButton>
      </DialogTitle>
      <DialogContent dividers sx={{ p: 0 }}>
        <Box sx={{ height: 4 }}>{loading ? <LinearProgress /> : null}</Box>
        {error ? <Alert severity="error" sx={{ m: 2 }}>Could not load the dropped units: {error}</Alert> : null}
        {s && s.topDropoffReasons.length > 0 ? (
          <Box sx={{ display: 'flex', gap: 0.75, alignItems: 'center', flexWrap: 'wrap', px: 2, pt: 1 }}>
            <Typography variant="caption" color="text.secondary">Most frequent errors after dropping:</Typography>
            {s.topDropoffReasons.map((r) => <Chip key={r.code} color="error" variant="outlined" label={`${r.code} · ${formatInt(r.units)}`} />)}
          </Box>
        ) : null}
        <TableContainer sx={{ maxHeight: '62vh' }}>
          <Table size="small" stickyHeader data-testid="funnel-drilldown-table">
            <TableHead>
              <TableRow>
                <TableCell>{props.unit === 'user' ? 'User' : 'Session'}</TableCell>
                {props.unit === 'session' ? <TableCell>User</TableCell> : null}
                <TableCell>Device</TableCell>
                <TableCell>Source</TableCell>
                <TableCell>Category</TableCell>
                <TableCell>Entered</TableCell>
                <TableCell>Reached step {s?.step}</TableCell>
                <TableCell>Last events</TableCell>
                <TableCell>Errors</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {data?.rows.map((u) => <DroppedRow key={u.unit} u={u} unit={props.unit} timezone={props.timezone} />)}
              {data && data.rows.length === 0 ? (
                <TableRow><TableCell colSpan={9}><Typography variant="body2" color="text.secondary" sx={{ py: 3, textAlign: 'center' }}>No units dropped at this step.</Typography></TableCell></TableRow>
              ) : null}
            </TableBody>
          </Table>
        </TableContainer>
      </DialogContent>
      <DialogActions sx={{ py: 0 }}>
        <TablePagination
          component="div"
          count={data?.total ?? 0}
          page={data && page * size >= data.total && data.total > 0 ? 0 : page}
          rowsPerPage={size}
          rowsPerPageOptions={[25, 50, 100, 250]}
          onPageChange={(_, p) => setPage(p)}
          onRowsPerPageChange={(e) => {
            setSize(Number(e.target.value));
            setPage(0);
          }}
        />
      </DialogActions>
    </Dialog>
  );
}

function DroppedRow(props: { u: DroppedUnit; unit: CountingUnit; timezone: string }) {
  const { u, timezone: tz } = props;
  const tail = tailEvents(u.lastEvents, 3);
  const codes = errorCodes(u);
  return (
    <TableRow hover data-testid="funnel-drilldown-row">
      <TableCell sx={{ fontFamily: monoFont, fontSize: 12, maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={u.unit}>{u.unit}</TableCell>
      {props.unit === 'session' ? <TableCell sx={{ fontFamily: monoFont, fontSize: 12, whiteSpace: 'nowrap' }}>{u.userId ?? <Typography component="span" variant="caption" color="text.secondary">anonymous</Typography>}</TableCell> : null}
      <TableCell>{u.device}</TableCell>
      <TableCell>{u.source}</TableCell>
      <TableCell>{u.category}</TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(u.enteredAt, tz)}</TableCell>
      <TableCell sx={{ whiteSpace: 'nowrap' }}>
        {formatTime(u.lastStepAt, tz, { seconds: true })}
        <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 0.5 }}>+{formatDurationShort(u.lastStepAt - u.enteredAt)}</Typography>
      </TableCell>
      <TableCell sx={{ py: 0.5 }}>
        <Tooltip
          title={
            <Box component="ol" sx={{ m: 0, pl: 2.5, fontFamily: monoFont, fontSize: 11 }}>
              {u.lastEvents.map((e, i) => <li key={i}>{formatTime(e.time, tz, { seconds: true })} {e.type}{e.code ? ` (${e.code})` : ''}</li>)}
            </Box>
          }
          placement="left"
        >
          <Box sx={{ fontFamily: monoFont, fontSize: 11.5, lineHeight: 1.45, whiteSpace: 'nowrap' }}>
            {tail.hidden > 0 ? <Box sx={{ color: 'text.disabled' }}>… {tail.hidden} earlier</Box> : null}
            {tail.shown.map((e, i) => (
              <Box key={i} sx={{ color: e.code || ERROR_TYPES.has(e.type) ? 'error.main' : 'text.primary' }}>
                <Box component="span" sx={{ color: 'text.secondary', mr: 0.75 }}>{formatTime(e.time, tz, { seconds: true })}</Box>
                {e.type}{e.code ? ` · ${e.code}` : ''}
              </Box>
            ))}
          </Box>
        </Tooltip>
      </TableCell>
      <TableCell>
        <Box sx={{ display: 'flex', gap: 0.5, flexWrap: 'wrap' }}>
          {codes.length ? codes.map((c) => <Chip key={c} color="error" variant="outlined" label={c} />) : <Typography variant="caption" color="text.secondary">none</Typography>}
        </Box>
      </TableCell>
    </TableRow>
  );
}
