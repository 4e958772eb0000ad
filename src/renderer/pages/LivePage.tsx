/** Live GMV (spec 1.2): today's KPIs, intraday GMV per bucket, and the rolling-window comparison. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Divider from '@mui/material/Divider';
import Skeleton from '@mui/material/Skeleton';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { LiveSnapshot } from '../../main/common/types.ts';
import { displayMoney } from '../../analytics/money.ts';
import { useApiQuery, usePush } from '../api/ApiContext.tsx';
import { useAppData, useNow } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { KpiCard } from '../components/KpiCard.tsx';
import { TimeBarChart } from '../components/TimeBarChart.tsx';
import {
  DASH, compactMinor, formatChangePct, formatDateTime, formatInt, formatRatioPct, formatRelative, formatTime,
  groupDecimalString, utcOffsetLabel,
} from '../format.ts';

export function LivePage(props: { onOpenSync: () => void }) {
  const { settings } = useAppData();
  const settingsKey = settings ? JSON.stringify([settings.timezone, settings.reportingCurrency, settings.fxRates, settings.gmvWindowMinutes]) : '';
  const q = useApiQuery('live.snapshot', undefined, settingsKey);
  usePush('live.update', (snap) => q.setData(snap));
  const snap = q.data;

  return (
    <Box>
      <PageHeader
        title="Live"
        subtitle={snap ? <DayLine snap={snap} /> : 'Today in the business timezone'}
        actions={
          <>
            {snap ? <LastSynced snap={snap} onOpenSync={props.onOpenSync} /> : null}
            <Button variant="outlined" onClick={q.reload} disabled={q.loading}>Refresh</Button>
          </>
        }
      />
      {q.error ? <Alert severity="error" sx={{ mb: 2 }}>Could not load the live snapshot: {q.error}</Alert> : null}
      {snap ? <LiveBody snap={snap} /> : q.error ? null : <LiveSkeleton />}
    </Box>
  );
}

function DayLine(props: { snap: LiveSnapshot }) {
  const s = props.snap;
  return (
    <span data-testid="live-day">
      Business day <b>{s.day}</b> · {s.timezone} ({utcOffsetLabel(s.asOf, s.timezone)}) · as of {formatTime(s.asOf, s.timezone, { seconds: true })}
    </span>
  );
}

function LastSynced(props: { snap: LiveSnapshot; onOpenSync: () => void }) {
  const now = useNow(5000);
  const { snap } = props;
  const { sync } = useAppData();
  const at = Math.max(snap.lastSyncedAt ?? 0, sync?.lastSyncedAt ?? 0) || null;
  return (
    <Tooltip title="Open sync">
      <Button color="inherit" onClick={props.onOpenSync} sx={{ fontWeight: 400 }}>
        <span data-testid="live-last-synced">
          Last synced {at ? <><b>{formatRelative(at, now)}</b> ({formatDateTime(at, snap.timezone, { seconds: true })})</> : <b>never</b>}
        </span>
      </Button>
    </Tooltip>
  );
}

function LiveBody(props: { snap: LiveSnapshot }) {
  const s = props.snap;
  const cur = s.reportingCurrency;
  const multi = s.gmvByCurrency.length > 1 || (s.gmvByCurrency.length === 1 && s.gmvByCurrency[0]!.currency !== cur);
  const slotsPerDay = Math.round((24 * 60) / s.bucketMinutes);

  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      {s.missingRates.length > 0 ? (
        <Alert severity="warning" data-testid="live-missing-rates">
          No exchange rate for {s.missingRates.join(', ')} into {cur}: those amounts are not in the headline GMV, AOV or refund rate.
          Add the rate{s.missingRates.length > 1 ? 's' : ''} in Settings.
        </Alert>
      ) : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: 2 }}>
        <KpiCard
          label={`GMV today (${cur})`}
          value={s.gmv.display}
          title={s.gmv.display}
          testid="live-gmv"
          footer={gmvFooter(s, multi)}
        />
        <KpiCard label="Orders" value={formatInt(s.orders)} testid="live-orders" footer="order.placed events today" />
        <KpiCard label={`AOV (${cur})`} value={s.aov?.display ?? DASH} testid="live-aov" footer="GMV ÷ orders, rounded half-even" />
        <KpiCard label="Refund rate" value={formatRatioPct(s.refundRate)} testid="live-refund-rate" footer={`Refunds ${s.refunds.display}`} />
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '2fr 1fr' }, gap: 2 }}>
        <Card>
          <CardContent>
            <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1, mb: 1 }}>
              <Typography variant="subtitle2">GMV per {s.bucketMinutes} minutes</Typography>
              <Typography variant="caption" color="text.secondary">{cur} · {s.timezone}</Typography>
            </Box>
            {s.orders === 0 ? (
              <Typography variant="body2" color="text.secondary" sx={{ py: 8, textAlign: 'center' }}>No orders yet today.</Typography>
            ) : (
              <TimeBarChart
                bars={s.intraday.map((p) => ({ t: p.t, value: p.gmvMinor, detail: `${formatInt(p.orders)} order${p.orders === 1 ? '' : 's'}` }))}
                slots={slotsPerDay}
                start={s.dayStart}
                bucketMinutes={s.bucketMinutes}
                timezone={s.timezone}
                formatTick={(v) => compactMinor(v, cur)}
                formatValue={(v) => displayMoney(v, cur)}
                lastPartial
                height={340}
                ariaLabel={`GMV per ${s.bucketMinutes} minutes today`}
              />
            )}
          </CardContent>
        </Card>
        <Box sx={{ display: 'grid', gap: 2, alignContent: 'start' }}>
          <WindowCard snap={s} />
          <CurrencyCard snap={s} />
        </Box>
      </Box>
    </Box>
  );
}

function WindowCard(props: { snap: LiveSnapshot }) {
  const { snap: s } = props;
  const w = s.window;
  const { settings } = useAppData();
  const change = w.changePct;
  const color = change === null ? 'text.secondary' : change < 0 ? 'error.main' : 'success.main';
  const secs = { seconds: w.windowMinutes < 5 };
  return (
    <Card data-testid="live-window">
      <CardContent>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
          <Typography variant="subtitle2" sx={{ flex: 1 }}>Rolling {formatWindow(w.windowMinutes)} window</Typography>
          {w.dropping ? <Chip color="error" label="GMV dropping" data-testid="live-dropping" /> : <Chip color="success" variant="outlined" label="Normal" />}
        </Box>
        <Box sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 1 }}>
          <Box>
            <Typography variant="caption" color="text.secondary" component="div">
              Latest {formatTime(w.latestStart, s.timezone, secs)}–{formatTime(s.asOf, s.timezone, secs)}
            </Typography>
            <Typography variant="h6" data-testid="live-window-latest">{w.latest.display}</Typography>
            <Typography variant="caption" color="text.secondary">{formatInt(w.latestOrders)} orders</Typography>
          </Box>
          <Box>
            <Typography variant="caption" color="text.secondary" component="div">
              Prior {formatTime(w.latestStart - w.windowMinutes * 60_000, s.timezone, secs)}–{formatTime(w.latestStart, s.timezone, secs)}
            </Typography>
            <Typography variant="h6" data-testid="live-window-prior">{w.prior.display}</Typography>
            <Typography variant="caption" color="text.secondary">{formatInt(w.priorOrders)} orders</Typography>
          </Box>
        </Box>
        <Divider sx={{ my: 1 }} />
        <Box sx={{ display: 'flex', alignItems: 'baseline', gap: 1 }}>
          <Typography variant="body2" color="text.secondary">Change</Typography>
          <Typography variant="h6" sx={{ color }} data-testid="live-window-change">{formatChangePct(change)}</Typography>
        </Box>
        {settings ? (
          <Typography variant="caption" color="text.secondary">
            Alerts when GMV falls more than {settings.gmvDropPct}% and the prior window had at least {formatInt(settings.gmvMinPriorOrders)} orders.
          </Typography>
        ) : null}
      </CardContent>
    </Card>
  );
}

function CurrencyCard(props: { snap: LiveSnapshot }) {
  const { snap: s } = props;
  const rates = Object.entries(s.fxRates);
  return (
    <Card data-testid="live-currencies">
      <CardContent>
        <Typography variant="subtitle2" sx={{ mb: 1 }}>GMV by currency</Typography>
        {s.gmvByCurrency.length === 0 ? (
          <Typography variant="body2" color="text.secondary">No orders yet today.</Typography>
        ) : (
          <Box component="table" sx={{ width: '100%', borderCollapse: 'collapse', '& td': { py: 0.4 } }}>
            <tbody>
              {s.gmvByCurrency.map((m) => (
                <tr key={m.currency}>
                  <td><Typography variant="body2">{m.currency}</Typography></td>
                  <td style={{ textAlign: 'right' }}>
                    <Typography variant="body2" sx={{ fontWeight: 600 }}>{m.display}</Typography>
                  </td>
                  <td style={{ textAlign: 'right', width: '1%', whiteSpace: 'nowrap', paddingLeft: 8 }}>
                    {s.missingRates.includes(m.currency) ? <Chip color="warning" variant="outlined" label="no rate" /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </Box>
        )}
        <Divider sx={{ my: 1 }} />
        <Typography variant="caption" color="text.secondary" component="div" data-testid="live-fx-rates">
          {rates.length === 0
            ? `All amounts in ${s.reportingCurrency}; no conversion used.`
            : <>Converted at {rates.map(([c, r], i) => <span key={c}>{i > 0 ? ', ' : ''}1 {c} = {groupDecimalString(r)} {s.reportingCurrency}</span>)}.</>}
        </Typography>
      </CardContent>
    </Card>
  );
}

function gmvFooter(s: LiveSnapshot, multi: boolean): string {
  if (s.missingRates.length > 0) return `Excludes ${s.missingRates.join(', ')} (no rate) · see by currency`;
  if (multi) return `${s.gmvByCurrency.length} currencies converted at stated rates`;
  return 'Order totals since start of day';
}

function formatWindow(minutes: number): string {
  if (minutes >= 60 && minutes % 60 === 0) return `${minutes / 60}-hour`;
  if (minutes < 1) return `${Math.round(minutes * 60)}-second`;
  return `${minutes}-minute`;
}

function LiveSkeleton() {
  return (
    <Box sx={{ display: 'grid', gap: 2 }}>
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: 2 }}>
        {[0, 1, 2, 3].map((i) => <Skeleton key={i} variant="rounded" height={96} />)}
      </Box>
      <Skeleton variant="rounded" height={280} />
    </Box>
  );
}
