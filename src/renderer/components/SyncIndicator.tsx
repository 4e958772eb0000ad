/** Compact sync state for the app bar; clicking opens the Sync page. */
import ButtonBase from '@mui/material/ButtonBase';
import Box from '@mui/material/Box';
import CircularProgress from '@mui/material/CircularProgress';
import Typography from '@mui/material/Typography';
import Tooltip from '@mui/material/Tooltip';
import { useAppData, useNow } from '../state/AppData.tsx';
import { formatDateTime, formatEventsPerSec, formatInt, formatRelative } from '../format.ts';
import { syncPercent } from './syncStatus.ts';
import { SyncIcon } from './icons.tsx';

export function SyncIndicator(props: { onOpen: () => void }) {
  const { sync, timezone } = useAppData();
  const now = useNow(5000);
  if (!sync) return null;
  const running = sync.state === 'running';
  const pct = syncPercent(sync);
  let text: string;
  if (running) text = `Syncing${pct !== null ? ` ${pct.toFixed(0)}%` : ''} · ${formatInt(sync.fetched)} · ${formatEventsPerSec(sync.eventsPerSec)}`;
  else if (sync.state === 'error') text = 'Sync failed';
  else if (sync.lastSyncedAt) text = `Synced ${formatRelative(sync.lastSyncedAt, now)}`;
  else text = 'Not synced';
  const tip = sync.lastSyncedAt ? `Last synced ${formatDateTime(sync.lastSyncedAt, timezone, { seconds: true })}` : 'Open sync';

  return (
    <Tooltip title={tip}>
      <ButtonBase
        onClick={props.onOpen}
        data-testid="sync-indicator"
        sx={{
          borderRadius: 4, px: 1.25, py: 0.5, gap: 1, display: 'flex', alignItems: 'center',
          bgcolor: sync.state === 'error' ? 'rgba(255,120,120,0.25)' : 'rgba(255,255,255,0.12)',
          '&:hover': { bgcolor: 'rgba(255,255,255,0.2)' },
        }}
      >
        {running ? (
          <Box sx={{ display: 'flex' }}>
            <CircularProgress size={16} thickness={5} color="inherit" />
          </Box>
        ) : (
          <SyncIcon sx={{ fontSize: 18 }} />
        )}
        <Typography variant="body2" sx={{ fontWeight: 500, whiteSpace: 'nowrap' }}>{text}</Typography>
      </ButtonBase>
    </Tooltip>
  );
}
