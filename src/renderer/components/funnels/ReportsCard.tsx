/**
 * The scheduled report snapshots (`funnel.reports`): hourly, the last 24 h of the standard funnel
 * and every funnel marked scheduled, with their inputs' watermark and hash; "Run now" stores one
 * for the current hour (`funnel.runScheduled`; the same inputs give the same row).
 */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import { useApi, useApiQuery, errorMessage } from '../../api/ApiContext.tsx';
import { formatDateTime, formatInt } from '../../format.ts';
import { monoFont } from '../../theme.ts';
import { pct } from './funnelsFormat.ts';

const PAGE = 8;

export function ReportsCard(props: { timezone: string }) {
  const api = useApi();
  const [limit, setLimit] = useState(PAGE);
  const [nonce, setNonce] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const q = useApiQuery('funnel.reports', { limit }, `${limit}:${nonce}`);
  const tz = props.timezone;

  async function runNow() {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      const rows = await api.call('funnel.runScheduled', {});
      setNote(`Stored ${rows.length} report${rows.length === 1 ? '' : 's'} for ${rows[0] ? `${formatDateTime(rows[0].periodStart, tz)} – ${formatDateTime(rows[0].periodEnd, tz)}` : 'the last 24 h'}.`);
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const data = q.data;
  return (
    <Card data-testid="funnel-reports">
      <CardContent>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
          <Box sx={{ flex: 1 }}>
            <Typography variant="subtitle2">Scheduled reports</Typography>
            <Typography variant="caption" color="text.secondary">Hourly, the 24 hours before each hour; the standard funnel and funnels marked “scheduled”.</Typography>
          </Box>
          <Button variant="outlined" onClick={() => void runNow()} disabled={busy} data-testid="funnel-run-scheduled">{busy ? 'Running…' : 'Run now'}</Button>
        </Box>
        {error ? <Alert severity="error" sx={{ mb: 1 }}>{error}</Alert> : null}
        {q.error ? <Alert severity="error" sx={{ mb: 1 }}>Could not load the reports: {q.error}</Alert> : null}
        {note ? <Alert severity="success" sx={{ mb: 1 }} onClose={() => setNote(null)}>{note}</Alert> : null}
        {data && data.rows.length === 0 ? (
          <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>No reports yet. The first is stored within a minute of the app starting, or now with “Run now”.</Typography>
        ) : null}
        {data && data.rows.length > 0 ? (
          <Box sx={{ overflowX: 'auto' }}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>Period ({tz})</TableCell>
                  <TableCell>Funnel</TableCell>
                  <TableCell align="right">Entered</TableCell>
                  <TableCell align="right">Completed</TableCell>
                  <TableCell align="right">Conversion</TableCell>
                  <TableCell>Step conversion</TableCell>
                  <TableCell>Data</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {data.rows.map((r) => (
                  <TableRow key={r.id} hover>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.periodStart, tz)} – {formatDateTime(r.periodEnd, tz)}</TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>{r.funnelName}</TableCell>
                    <TableCell align="right">{formatInt(r.report.entered)}</TableCell>
                    <TableCell align="right">{formatInt(r.report.completed)}</TableCell>
                    <TableCell align="right" sx={{ fontWeight: 600 }}>{pct(r.report.conversion)}</TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Tooltip title={<Box>{r.report.steps.map((s) => <div key={s.step}>{s.step}. {s.label}: {formatInt(s.entered)} ({pct(s.conversionFromPrevious)} of previous){s.topDropoffReasons[0] ? ` · top error ${s.topDropoffReasons[0].code}` : ''}</div>)}</Box>}>
                        <Typography variant="caption" sx={{ cursor: 'default' }}>
                          {r.report.steps.slice(1).map((s) => pct(s.conversionFromPrevious, 0)).join(' → ')}
                        </Typography>
                      </Tooltip>
                    </TableCell>
                    <TableCell sx={{ whiteSpace: 'nowrap' }}>
                      <Tooltip title={`Computed ${formatDateTime(r.createdAt, tz, { seconds: true })} · input hash ${r.inputHash}`}>
                        <Typography variant="caption" sx={{ fontFamily: monoFont }}>seq {formatInt(r.watermark.seq)} · {r.inputHash.slice(0, 8)}</Typography>
                      </Tooltip>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            {data.total > data.rows.length ? (
              <Button size="small" sx={{ mt: 1 }} onClick={() => setLimit((l) => l + PAGE * 2)}>Show more ({formatInt(data.total - data.rows.length)} older)</Button>
            ) : null}
          </Box>
        ) : null}
      </CardContent>
    </Card>
  );
}
