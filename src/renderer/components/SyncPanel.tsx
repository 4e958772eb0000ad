/** Sync progress: determinate bar when the total is known, counts, rate, state, Cancel / Sync now. */
import { useState } from 'react';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import LinearProgress from '@mui/material/LinearProgress';
import Paper from '@mui/material/Paper';
import Typography from '@mui/material/Typography';
import Alert from '@mui/material/Alert';
import type { SyncStatus } from '../../main/common/types.ts';
import { useApi, errorMessage } from '../api/ApiContext.tsx';
import { useAppData, useNow } from '../state/AppData.tsx';
import { formatDateTime, formatDuration, formatEventsPerSec, formatInt, formatRelative } from '../format.ts';
import { syncPercent, syncStateLabel } from './syncStatus.ts';

export function SyncPanel() {
  const api = useApi();
  const { sync, setSync, timezone } = useAppData();
  const now = useNow(1000);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(fn: () => Promise<SyncStatus>) {
    setBusy(true);
    setError(null);
    try {
      setSync(await fn());
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  const st = sync;
  const running = st?.state === 'running';
  const pct = st ? syncPercent(st) : null;
  const label = st ? syncStateLabel(st.state) : { text: 'Loading…', color: 'default' as const };
  const elapsed = st?.startedAt ? (st.finishedAt ?? now) - st.startedAt : null;

  return (
    <Paper variant="outlined" sx={{ p: 2 }} data-testid="sync-progress">
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 1.5, mb: 1.5, flexWrap: 'wrap' }}>
        <Typography variant="subtitle2">Platform sync</Typography>
        <Chip label={label.text} color={label.color} variant={running ? 'filled' : 'outlined'} data-testid="sync-state" />
        {st?.retries ? <Chip label={`${st.retries} retr${st.retries === 1 ? 'y' : 'ies'}`} color="warning" variant="outlined" /> : null}
        <Box sx={{ flex: 1 }} />
        <Button variant="outlined" color="inherit" disabled={!running || busy} onClick={() => run(() => api.call('sync.cancel', undefined))} data-testid="sync-cancel">
          Cancel
        </Button>
        <Button variant="contained" disabled={running || busy} onClick={() => run(() => api.call('sync.start', {}))} data-testid="sync-now">
          Sync now
        </Button>
      </Box>
      <LinearProgress
        variant={pct === null ? (running ? 'indeterminate' : 'determinate') : 'determinate'}
        value={pct ?? (st?.state === 'done' ? 100 : 0)}
        sx={{ height: 8, borderRadius: 4, mb: 1 }}
        aria-label="sync progress"
      />
      <Box sx={{ display: 'flex', justifyContent: 'space-between', mb: 1.5 }}>
        <Typography variant="caption" color="text.secondary">
          {st ? progressText(st, pct) : ''}
        </Typography>
        <Typography variant="caption" color="text.secondary">
          {elapsed !== null ? `elapsed ${formatDuration(elapsed)}` : ''}
        </Typography>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(110px, 1fr))', gap: 1.5 }}>
        <Stat label="Fetched" value={formatInt(st?.fetched)} testid="sync-fetched" />
        <Stat label="Inserted" value={formatInt(st?.inserted)} testid="sync-inserted" />
        <Stat label="Duplicates" value={formatInt(st?.duplicates)} testid="sync-duplicates" />
        <Stat label="Quarantined" value={formatInt(st?.quarantined)} testid="sync-quarantined" warn={(st?.quarantined ?? 0) > 0} />
        <Stat label="Rate" value={formatEventsPerSec(st?.eventsPerSec)} testid="sync-rate" />
        <Stat
          label="Last synced"
          value={st?.lastSyncedAt ? formatRelative(st.lastSyncedAt, now) : 'never'}
          sub={st?.lastSyncedAt ? formatDateTime(st.lastSyncedAt, timezone, { seconds: true }) : undefined}
          testid="sync-last-synced"
        />
      </Box>
      {st?.error ? <Alert severity="error" sx={{ mt: 1.5 }}>{st.error}</Alert> : null}
      {error ? <Alert severity="error" sx={{ mt: 1.5 }} onClose={() => setError(null)}>{error}</Alert> : null}
    </Paper>
  );
}

function progressText(st: SyncStatus, pct: number | null): string {
  if (st.state === 'running') {
    return st.total !== null ? `${formatInt(st.fetched)} of ${formatInt(st.total)} events${pct !== null ? ` (${pct.toFixed(0)}%)` : ''}` : `${formatInt(st.fetched)} events so far`;
  }
  if (st.startedAt === null) return 'No sync has run yet';
  const what = st.state === 'done' ? 'Last run fetched' : st.state === 'cancelled' ? 'Cancelled after' : 'Stopped after';
  return `${what} ${formatInt(st.fetched)} event${st.fetched === 1 ? '' : 's'}`;
}

function Stat(props: { label: string; value: string; sub?: string; testid?: string; warn?: boolean }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">{props.label}</Typography>
      <Typography variant="body1" sx={{ fontWeight: 600, color: props.warn ? 'warning.dark' : undefined }} data-testid={props.testid}>
        {props.value}
      </Typography>
      {props.sub ? <Typography variant="caption" color="text.secondary">{props.sub}</Typography> : null}
    </Box>
  );
}
