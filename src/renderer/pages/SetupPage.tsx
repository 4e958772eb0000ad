/** First run: start the demo workspace, or connect a platform (URL + token), then watch the sync. */
import { useState, type FormEvent } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useApi, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { SyncPanel } from '../components/SyncPanel.tsx';
import type { DemoInfo } from '../../main/common/types.ts';

export function SetupPage(props: { onDone: () => void }) {
  const api = useApi();
  const { info, settings, sync, setSync, setSettings, refreshInfo } = useAppData();
  const [busy, setBusy] = useState<'demo' | 'connect' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [demo, setDemo] = useState<DemoInfo | null>(null);
  const [started, setStarted] = useState(false);
  const [url, setUrl] = useState(settings?.platformUrl ?? '');
  const [token, setToken] = useState('');

  async function startDemo() {
    setBusy('demo');
    setError(null);
    try {
      const d = await api.call('demo.start', {});
      setDemo(d);
      setStarted(true);
      const st = await api.call('sync.status', undefined);
      setSync(st);
      setSettings(await api.call('settings.get', undefined));
      await refreshInfo();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  async function connect(e: FormEvent) {
    e.preventDefault();
    setBusy('connect');
    setError(null);
    try {
      const u = new URL(url.trim());
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('The platform URL must start with http:// or https://');
      setSettings(await api.call('settings.update', { platformUrl: url.trim() }));
      await api.call('settings.setToken', { token });
      setToken('');
      setSync(await api.call('sync.start', {}));
      setStarted(true);
      setSettings(await api.call('settings.get', undefined));
      await refreshInfo();
    } catch (err) {
      setError(err instanceof TypeError ? 'Enter a full URL such as https://platform.example.com' : errorMessage(err));
    } finally {
      setBusy(null);
    }
  }

  const done = started && sync?.state === 'done';

  return (
    <Box sx={{ maxWidth: 980 }}>
      <PageHeader
        title="Workspace setup"
        subtitle={info ? <>Workspace folder <code>{info.workspaceDir}</code></> : undefined}
      />
      {error ? <Alert severity="error" sx={{ mb: 2 }} onClose={() => setError(null)} data-testid="setup-error">{error}</Alert> : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 2, mb: 2 }}>
        <Card>
          <CardContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5, height: '100%' }}>
            <Typography variant="h6">Demo workspace</Typography>
            <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
              Starts the built-in demo marketplace on this computer and syncs its event feed over HTTP: orders,
              payments, refunds and sessions in several currencies. Nothing leaves your machine.
            </Typography>
            {demo ? (
              <Typography variant="caption" color="text.secondary" data-testid="demo-info">
                Demo platform at {demo.url} · {demo.days} days · {demo.users.toLocaleString('en-US')} users · seed {demo.seed}
              </Typography>
            ) : info?.demoRunning ? (
              <Typography variant="caption" color="text.secondary">The demo platform is running.</Typography>
            ) : null}
            <Box>
              <Button variant="contained" onClick={startDemo} disabled={busy !== null || demo !== null} data-testid="setup-demo">
                {busy === 'demo' ? 'Starting…' : demo ? 'Demo workspace started' : 'Start demo workspace'}
              </Button>
            </Box>
          </CardContent>
        </Card>
        <Card component="form" onSubmit={connect}>
          <CardContent sx={{ display: 'flex', flexDirection: 'column', gap: 1.5 }}>
            <Typography variant="h6">Connect a platform</Typography>
            <Typography variant="body2" color="text.secondary">
              The marketplace platform's API address and an access token. The token is stored encrypted in the workspace and never shown again.
            </Typography>
            <TextField label="Platform URL" placeholder="https://platform.example.com" value={url} onChange={(e) => setUrl(e.target.value)} required
              slotProps={{ htmlInput: { 'data-testid': 'setup-url', spellCheck: false } }} />
            <TextField label="Access token" type="password" value={token} onChange={(e) => setToken(e.target.value)} required autoComplete="off"
              helperText={settings?.tokenSet ? 'A token is stored; entering one replaces it.' : undefined}
              slotProps={{ htmlInput: { 'data-testid': 'setup-token' } }} />
            <Box>
              <Button type="submit" variant="contained" disabled={busy !== null || !url.trim() || !token} data-testid="setup-connect">
                {busy === 'connect' ? 'Connecting…' : 'Connect and sync'}
              </Button>
            </Box>
          </CardContent>
        </Card>
      </Box>
      {started || busy !== null || sync?.state === 'running' ? (
        <Box sx={{ display: 'grid', gap: 2 }}>
          <SyncPanel />
          {done ? (
            <Alert severity="success" action={<Button color="inherit" onClick={props.onDone} data-testid="setup-open-live">Open Live</Button>}>
              Sync finished. Your workspace is ready.
            </Alert>
          ) : (
            <Typography variant="body2" color="text.secondary">
              You can leave this page; the sync continues in the background and the app bar shows its progress.
            </Typography>
          )}
        </Box>
      ) : null}
    </Box>
  );
}
