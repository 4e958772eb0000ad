/** Alert history (alerts.list), newest first, with acknowledge. */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useAppData } from '../state/AppData.tsx';
import { errorMessage } from '../api/ApiContext.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { formatAlertValue, formatDateTime, formatTime } from '../format.ts';
import { alertValueItems } from '../state/alerts.ts';
import { RunbookLink } from '../components/RunbookLink.tsx';
import { buildHash } from '../router.ts';
import { displayMoney } from '../../analytics/money.ts';
import type { AlertEntry } from '../../main/common/types.ts';

const SEVERITY_COLOR = { P1: 'error', P2: 'warning', P3: 'info' } as const;

export function AlertsPage() {
  const { alerts, refreshAlerts, ackAlert, timezone } = useAppData();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  async function reload() {
    setLoading(true);
    try {
      await refreshAlerts();
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setLoading(false);
    }
  }
  useEffect(() => {
    reload();
  }, []);

  async function ack(a: AlertEntry) {
    try {
      await ackAlert(a.id);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <Box>
      <PageHeader
        title="Alerts"
        subtitle={`Fired alerts, newest first. Times in ${timezone}.`}
        actions={<Button variant="outlined" onClick={reload} disabled={loading}>Refresh</Button>}
      />
      {error ? <Alert severity="error" sx={{ mb: 2 }}>{error}</Alert> : null}
      <TableContainer component={Paper} variant="outlined">
        <Table stickyHeader data-testid="alerts-table">
          <TableHead>
            <TableRow>
              <TableCell>Fired at</TableCell>
              <TableCell>Severity</TableCell>
              <TableCell>Rule</TableCell>
              <TableCell>Alert</TableCell>
              <TableCell>Values</TableCell>
              <TableCell>Runbook</TableCell>
              <TableCell>Acknowledged</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {alerts.length === 0 ? (
              <TableRow>
                <TableCell colSpan={7}>
                  <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>No alerts have fired.</Typography>
                </TableCell>
              </TableRow>
            ) : alerts.map((a) => (
              <TableRow key={a.id} hover data-testid="alert-row">
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(a.firedAt, timezone, { seconds: true })}</TableCell>
                <TableCell><Chip label={a.severity} color={SEVERITY_COLOR[a.severity]} /></TableCell>
                <TableCell><code>{a.rule}</code></TableCell>
                <TableCell sx={{ minWidth: 220 }}>
                  <Typography variant="body2" sx={{ fontWeight: 600 }}>{a.title}</Typography>
                  <Typography variant="caption" color="text.secondary">{a.message}</Typography>
                </TableCell>
                <TableCell>
                  <Box sx={{ display: 'flex', flexDirection: 'column', gap: 0.25 }}>
                    {alertValueItems(a.values, {
                      time: (ms) => formatTime(ms, timezone, { seconds: true }),
                      number: (n) => formatAlertValue(n),
                      money: (m, c) => { try { return displayMoney(m, c); } catch { return String(m); } },
                    }).map((it) => (
                      <Typography key={it.key} variant="caption" sx={{ whiteSpace: 'nowrap' }}>
                        <Box component="span" sx={{ color: 'text.secondary' }}>{it.label}</Box> {it.text}
                      </Typography>
                    ))}
                  </Box>
                </TableCell>
                <TableCell>
                  {a.runbookUrl ? <RunbookLink url={a.runbookUrl} /> : '—'}
                  {a.rule === 'funnel_dropoff' && typeof a.values.investigationId === 'number' ? (
                    <Box><a href={buildHash('funnels', { investigation: a.values.investigationId })} data-testid="alert-investigation-link">Open the investigation</a></Box>
                  ) : null}
                </TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>
                  {a.acknowledgedAt !== null ? (
                    formatDateTime(a.acknowledgedAt, timezone)
                  ) : (
                    <Button variant="outlined" onClick={() => ack(a)}>Acknowledge</Button>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}
