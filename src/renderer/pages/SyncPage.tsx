/** Sync progress and workspace totals. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import { useApiQuery } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { SyncPanel } from '../components/SyncPanel.tsx';
import { formatBytes, formatDateTime, formatInt } from '../format.ts';

export function SyncPage() {
  const { settings, sync, timezone } = useAppData();
  // Re-read the totals whenever a sync run changes state.
  const stats = useApiQuery('workspace.stats', undefined, `${sync?.state}:${sync?.finishedAt}`);
  const s = stats.data;
  return (
    <Box sx={{ maxWidth: 1100 }}>
      <PageHeader
        title="Sync"
        subtitle={settings?.platformUrl ? <>Platform <code>{settings.platformUrl}</code>{settings.pollSeconds > 0 ? ` · polls every ${settings.pollSeconds} s` : ' · polling off'}</> : 'No platform configured'}
      />
      <SyncPanel />
      {sync?.cursor ? (
        <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
          Cursor <code>{sync.cursor}</code>
        </Typography>
      ) : null}
      <Typography variant="h6" sx={{ mt: 3, mb: 1 }}>Workspace</Typography>
      {stats.error ? <Alert severity="error">{stats.error}</Alert> : null}
      {s ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2, alignItems: 'start' }}>
          <Card>
            <CardContent>
              <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 2, rowGap: 0.75, m: 0, '& dt': { color: 'text.secondary' }, '& dd': { m: 0, fontWeight: 600 } }}>
                <dt>Events stored</dt><dd data-testid="stats-events">{formatInt(s.events)}</dd>
                <dt>Quarantined</dt><dd>{formatInt(s.quarantined)}</dd>
                <dt>First event</dt><dd>{formatDateTime(s.firstEventAt, timezone)}</dd>
                <dt>Last event</dt><dd>{formatDateTime(s.lastEventAt, timezone)}</dd>
                <dt>Database size</dt><dd>{formatBytes(s.dbBytes)}</dd>
              </Box>
            </CardContent>
          </Card>
          <Card>
            <Table>
              <TableHead>
                <TableRow><TableCell>Event type</TableCell><TableCell align="right">Events</TableCell></TableRow>
              </TableHead>
              <TableBody>
                {s.byType.length === 0 ? (
                  <TableRow><TableCell colSpan={2}><Typography variant="body2" color="text.secondary">No events yet.</Typography></TableCell></TableRow>
                ) : s.byType.map((t) => (
                  <TableRow key={t.type}><TableCell>{t.type}</TableCell><TableCell align="right">{formatInt(t.count)}</TableCell></TableRow>
                ))}
              </TableBody>
            </Table>
          </Card>
        </Box>
      ) : null}
    </Box>
  );
}
