/** The banner on every page for unacknowledged alerts (pushed this session or fired in the last hour). */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import AlertTitle from '@mui/material/AlertTitle';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Typography from '@mui/material/Typography';
import { useAppData, useNow } from '../state/AppData.tsx';
import { alertValueItems, bannerAlerts } from '../state/alerts.ts';
import { RunbookLink } from './RunbookLink.tsx';
import { displayMoney } from '../../analytics/money.ts';
import { formatAlertValue, formatDateTime, formatRelative, formatTime } from '../format.ts';
import { errorMessage } from '../api/ApiContext.tsx';

export function AlertBanner(props: { onShowAll: () => void }) {
  const { alerts, pushedAlertIds, ackAlert, timezone } = useAppData();
  const now = useNow(15_000);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shown = bannerAlerts(alerts, pushedAlertIds, now);
  const a = shown[0];
  if (!a) return null;
  const more = shown.length - 1;
  const severity = a.severity === 'P1' ? 'error' : 'warning';

  async function ack() {
    setBusy(true);
    setError(null);
    try {
      await ackAlert(a!.id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Alert
      severity={severity}
      variant="standard"
      data-testid="alert-banner"
      sx={{ mb: 2, border: 1, borderColor: severity === 'error' ? 'error.light' : 'warning.light', '& .MuiAlert-message': { flex: 1 } }}
      action={
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
          {more > 0 ? <Button color="inherit" onClick={props.onShowAll}>+{more} more</Button> : null}
          <Button color="inherit" variant="outlined" disabled={busy} onClick={ack} data-testid="alert-ack">Acknowledge</Button>
        </Box>
      }
    >
      <AlertTitle sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <Chip label={a.severity} color={severity} sx={{ fontWeight: 700 }} />
        <span>{a.title}</span>
        <Typography component="span" variant="caption" color="text.secondary">
          {a.rule} · fired {formatDateTime(a.firedAt, timezone, { seconds: true })} ({formatRelative(a.firedAt, now)})
        </Typography>
      </AlertTitle>
      <Typography variant="body2">{a.message}</Typography>
      <Box sx={{ display: 'flex', gap: 0.75, mt: 0.75, flexWrap: 'wrap', alignItems: 'center' }}>
        {alertValueItems(a.values, {
          time: (ms) => formatTime(ms, timezone, { seconds: true }),
          number: (n) => formatAlertValue(n),
          money: (m, c) => safeMoney(m, c),
        }).map((it) => (
          <Chip key={it.key} variant="outlined" label={`${it.label}: ${it.text}`} />
        ))}
        <RunbookLink url={a.runbookUrl} testid="alert-runbook" />
      </Box>
      {error ? <Typography variant="caption" color="error">{error}</Typography> : null}
    </Alert>
  );
}

function safeMoney(minor: number, currency: string): string {
  try {
    return displayMoney(minor, currency);
  } catch {
    return `${minor} ${currency} (minor units)`;
  }
}
