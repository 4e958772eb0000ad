/** The shell: app bar (sync indicator), navigation drawer, alert banner, and the current page. */
import { lazy, Suspense, useEffect, useState } from 'react';
import LinearProgress from '@mui/material/LinearProgress';
import Alert from '@mui/material/Alert';
import AppBar from '@mui/material/AppBar';
import Box from '@mui/material/Box';
import Chip from '@mui/material/Chip';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import List from '@mui/material/List';
import ListItemButton from '@mui/material/ListItemButton';
import ListItemIcon from '@mui/material/ListItemIcon';
import ListItemText from '@mui/material/ListItemText';
import Toolbar from '@mui/material/Toolbar';
import Typography from '@mui/material/Typography';
import useMediaQuery from '@mui/material/useMediaQuery';
import Badge from '@mui/material/Badge';
import type { SvgIconProps } from '@mui/material/SvgIcon';
import { useAppData, useNow } from './state/AppData.tsx';
import { bannerAlerts } from './state/alerts.ts';
import { useRoute } from './useRoute.ts';
import type { PageId } from './router.ts';
import { AlertBanner } from './components/AlertBanner.tsx';
import { SyncIndicator } from './components/SyncIndicator.tsx';
import { AlertsIcon, CohortIcon, FunnelIcon, ImportIcon, LiveIcon, MenuIcon, PayoutsIcon, QuarantineIcon, ReconIcon, SegmentsIcon, SettingsIcon, SyncIcon, WorkspaceIcon } from './components/icons.tsx';
import { LivePage } from './pages/LivePage.tsx';
import { SyncPage } from './pages/SyncPage.tsx';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { SettingsPage } from './pages/SettingsPage.tsx';
import { SetupPage } from './pages/SetupPage.tsx';

// The analysis and finance pages (and their charting code) load when first opened, so the first
// paint evaluates only the shell and the Live page.
const QuarantinePage = lazy(() => import('./pages/QuarantinePage.tsx').then((m) => ({ default: m.QuarantinePage })));
const ImportPage = lazy(() => import('./pages/ImportPage.tsx').then((m) => ({ default: m.ImportPage })));
const ReconciliationPage = lazy(() => import('./pages/ReconciliationPage.tsx').then((m) => ({ default: m.ReconciliationPage })));
const SegmentsPage = lazy(() => import('./pages/SegmentsPage.tsx').then((m) => ({ default: m.SegmentsPage })));
const FunnelsPage = lazy(() => import('./pages/FunnelsPage.tsx').then((m) => ({ default: m.FunnelsPage })));
const PayoutsPage = lazy(() => import('./pages/PayoutsPage.tsx').then((m) => ({ default: m.PayoutsPage })));
const CohortsPage = lazy(() => import('./pages/CohortsPage.tsx').then((m) => ({ default: m.CohortsPage })));

const DRAWER_WIDTH = 208;

const NAV: { page: PageId; label: string; Icon: (p: SvgIconProps) => React.JSX.Element }[] = [
  { page: 'live', label: 'Live', Icon: LiveIcon },
  { page: 'sync', label: 'Sync', Icon: SyncIcon },
  { page: 'funnels', label: 'Funnels', Icon: FunnelIcon },
  { page: 'cohorts', label: 'Cohorts', Icon: CohortIcon },
  { page: 'reconciliation', label: 'Reconciliation', Icon: ReconIcon },
  { page: 'payouts', label: 'Payouts', Icon: PayoutsIcon },
  { page: 'segments', label: 'Segments', Icon: SegmentsIcon },
  { page: 'alerts', label: 'Alerts', Icon: AlertsIcon },
  { page: 'quarantine', label: 'Quarantine', Icon: QuarantineIcon },
  { page: 'import', label: 'Import', Icon: ImportIcon },
  { page: 'settings', label: 'Settings', Icon: SettingsIcon },
  { page: 'setup', label: 'Workspace', Icon: WorkspaceIcon },
];

export function App(props: { missingToken: boolean }) {
  const { info, settings, alerts, pushedAlertIds, loadError } = useAppData();
  const [route, navigate] = useRoute();
  const wide = useMediaQuery('(min-width: 900px)');
  const [mobileOpen, setMobileOpen] = useState(false);
  const [redirected, setRedirected] = useState(false);
  const now = useNow(30_000);
  const openAlerts = bannerAlerts(alerts, pushedAlertIds, now).length;

  // First run (or no platform yet): open the setup page once, unless the URL asked for a page.
  useEffect(() => {
    if (!info || redirected) return;
    setRedirected(true);
    const explicit = /^#\/[a-z]/.test(window.location.hash);
    if ((info.firstRun || !info.platformConfigured) && !explicit) navigate('setup', {}, true);
  }, [info, redirected, navigate]);

  const go = (page: PageId, params?: Record<string, string | number | undefined>) => {
    setMobileOpen(false);
    navigate(page, params);
  };

  const drawer = (
    <Box sx={{ pt: 1 }}>
      <List dense component="nav" aria-label="main">
        {NAV.map(({ page, label, Icon }) => (
          <ListItemButton key={page} selected={route.page === page} onClick={() => go(page)} data-testid={`nav-${page}`}
            sx={{ mx: 1, borderRadius: 1, mb: 0.25 }}>
            <ListItemIcon sx={{ minWidth: 34 }}>
              {page === 'alerts' && openAlerts > 0 ? (
                <Badge color="error" badgeContent={openAlerts}><Icon fontSize="small" /></Badge>
              ) : <Icon fontSize="small" />}
            </ListItemIcon>
            <ListItemText primary={label} />
          </ListItemButton>
        ))}
      </List>
    </Box>
  );

  return (
    <Box sx={{ display: 'flex', minHeight: '100vh' }}>
      <AppBar position="fixed" sx={{ zIndex: (t) => t.zIndex.drawer + 1, bgcolor: '#14213d' }} elevation={0}>
        <Toolbar variant="dense" sx={{ gap: 1.5 }}>
          {!wide ? (
            <IconButton color="inherit" edge="start" aria-label="open navigation" onClick={() => setMobileOpen(true)}>
              <MenuIcon />
            </IconButton>
          ) : null}
          <Typography variant="h6" component="div" sx={{ fontWeight: 700, letterSpacing: '-0.01em' }}>Marketlens</Typography>
          {info && info.mode !== 'electron' ? <Chip label={info.mode} size="small" sx={{ color: 'inherit', borderColor: 'rgba(255,255,255,0.35)' }} variant="outlined" /> : null}
          <Box sx={{ flex: 1 }} />
          {settings ? (
            <Typography variant="body2" sx={{ opacity: 0.75, display: { xs: 'none', md: 'block' } }}>
              {settings.timezone} · {settings.reportingCurrency}
            </Typography>
          ) : null}
          <SyncIndicator onOpen={() => go('sync')} />
        </Toolbar>
      </AppBar>
      <Box component="nav" sx={{ width: { md: DRAWER_WIDTH }, flexShrink: { md: 0 } }}>
        {wide ? (
          <Drawer variant="permanent" open sx={{ '& .MuiDrawer-paper': { width: DRAWER_WIDTH, boxSizing: 'border-box', borderRight: 1, borderColor: 'divider' } }}>
            <Toolbar variant="dense" />
            {drawer}
          </Drawer>
        ) : (
          <Drawer variant="temporary" open={mobileOpen} onClose={() => setMobileOpen(false)} sx={{ '& .MuiDrawer-paper': { width: DRAWER_WIDTH } }}>
            {drawer}
          </Drawer>
        )}
      </Box>
      <Box component="main" sx={{ flex: 1, minWidth: 0, p: { xs: 1.5, md: 2.5 } }}>
        <Toolbar variant="dense" />
        {props.missingToken ? (
          <Alert severity="error" sx={{ mb: 2 }}>
            This page was opened without its access token. Open the address printed by <code>marketlens web</code> (it ends with <code>#token=…</code>).
          </Alert>
        ) : loadError ? (
          <Alert severity="error" sx={{ mb: 2 }}>Cannot reach the Marketlens services: {loadError}</Alert>
        ) : null}
        <AlertBanner onShowAll={() => go('alerts')} />
        <Suspense fallback={<LinearProgress aria-label="Loading page" />}>
          <Page page={route.page} params={route.params} go={go} />
        </Suspense>
      </Box>
    </Box>
  );
}

function Page(props: { page: PageId; params: Record<string, string>; go: (p: PageId, params?: Record<string, string | number | undefined>) => void }) {
  const { go, params } = props;
  switch (props.page) {
    case 'live': return <LivePage onOpenSync={() => go('sync')} />;
    case 'sync': return <SyncPage />;
    case 'alerts': return <AlertsPage />;
    case 'quarantine':
      return (
        <QuarantinePage
          page={toInt(params.page, 1) - 1}
          pageSize={toInt(params.size, 25)}
          onPage={(p, size) => go('quarantine', { page: p > 0 ? p + 1 : undefined, size: size !== 25 ? size : undefined })}
        />
      );
    case 'import': return <ImportPage onOpenQuarantine={() => go('quarantine')} />;
    case 'settings': return <SettingsPage />;
    case 'setup': return <SetupPage onDone={() => go('live')} />;
    case 'funnels': return <FunnelsPage />;
    case 'cohorts': return <CohortsPage />;
    case 'segments': return <SegmentsPage />;
    case 'reconciliation':
      return <ReconciliationPage runId={params.run ? toInt(params.run, 0) || null : null} onRun={(id) => go('reconciliation', { run: id ?? undefined })} />;
    case 'payouts': return <PayoutsPage />;
  }
}

function toInt(v: string | undefined, dflt: number): number {
  const n = v === undefined ? NaN : Number(v);
  return Number.isSafeInteger(n) && n > 0 ? n : dflt;
}
