/**
 * Drop-off investigation (spec 2.3): the stored evaluations of the watched transition (default
 * cart → checkout: started checkout, not completed), each with its baseline, current rate and
 * excess, the causes ranked by the excess dropped sessions they explain (per device, with the
 * source split), the segments, the spec's common causes, the affected sessions, exports, and the
 * "flag for UX/product review" action (audited). "Investigate" evaluates a window on demand.
 * docs/funnels.md states the baseline and the attribution method.
 */
import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Link from '@mui/material/Link';
import MenuItem from '@mui/material/MenuItem';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableContainer from '@mui/material/TableContainer';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { DropoffInvestigation } from '../../../analytics/dropoff/index.ts';
import { useApi, useApiQuery, usePush, errorMessage } from '../../api/ApiContext.tsx';
import { formatDateTime, formatInt } from '../../format.ts';
import { monoFont } from '../../theme.ts';
import { KpiCard } from '../KpiCard.tsx';
import { DownloadIcon } from './icons.tsx';
import { saveExport } from './download.ts';
import { pct } from './funnelsFormat.ts';
import { DropoffSettingsDialog } from './DropoffSettingsDialog.tsx';
import { useRoute } from '../../useRoute.ts';

const num = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
const signed = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '—' : `${x > 0 ? '+' : ''}${x.toFixed(d)}`);

export function InvestigationCard(props: { timezone: string; latestDay: string | null }) {
  const api = useApi();
  const tz = props.timezone;
  const [nonce, setNonce] = useState(0);
  const list = useApiQuery('dropoff.list', { limit: 48 }, String(nonce));
  const [route] = useRoute();
  const linked = Number(route.params.investigation);
  const [selected, setSelected] = useState<number | null>(Number.isInteger(linked) && linked > 0 ? linked : null);
  const cardRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // opened from an alert (#/funnels?investigation=ID): show that one
    if (Number.isInteger(linked) && linked > 0) {
      setSelected(linked);
      cardRef.current?.scrollIntoView({ block: 'start' });
    }
  }, [linked]);
  const [inv, setInv] = useState<DropoffInvestigation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [date, setDate] = useState<string>(props.latestDay ?? '');
  const [hour, setHour] = useState<string>('');
  const [sessionsOpen, setSessionsOpen] = useState(false);
  const [flagOpen, setFlagOpen] = useState(false);
  const [note, setNote] = useState('');
  const [settingsOpen, setSettingsOpen] = useState(false);
  // a drop-off alert fired (hourly run): show the new investigation
  usePush('alert.fired', (a) => {
    if (a.rule !== 'funnel_dropoff') return;
    setSelected(typeof a.values.investigationId === 'number' ? a.values.investigationId : null);
    setNonce((n) => n + 1);
  });

  useEffect(() => {
    if (props.latestDay && !date) setDate(props.latestDay);
  }, [props.latestDay, date]);

  // default selection: the latest fired investigation, else the latest evaluation
  const rows = list.data?.rows ?? [];
  const auto = rows.find((r) => r.fired)?.id ?? rows[0]?.id ?? null;
  const id = selected ?? auto;
  useEffect(() => {
    if (id === null) return;
    let live = true;
    api.call('dropoff.get', { id }).then((r) => live && setInv(r), (e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [api, id, nonce]);

  async function investigate() {
    setBusy('investigate');
    setError(null);
    try {
      const args = hour === '' ? {} : { date, hour: Number(hour) };
      const out = await api.call('dropoff.investigate', args);
      if (out[0]) {
        setSelected(out[0].id);
        setInv(out[0]);
      }
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }
  async function exportFile(format: 'csv' | 'xlsx', table?: 'summary' | 'segments' | 'causes' | 'sessions') {
    if (!inv) return;
    setBusy('export');
    try {
      saveExport(await api.call('dropoff.export', { id: inv.id, format, table }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }
  async function flag() {
    if (!inv) return;
    setBusy('flag');
    try {
      setInv(await api.call('dropoff.flag', { id: inv.id, note }));
      setFlagOpen(false);
      setNote('');
      setNonce((n) => n + 1);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  }

  const causes = inv ? inv.causes.filter((c) => c.excess > 0 || c.current > 0).slice(0, 12) : [];
  return (
    <Card data-testid="dropoff-card" ref={cardRef}>
      <CardContent>
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1, flexWrap: 'wrap' }}>
          <Box sx={{ flex: 1, minWidth: 280 }}>
            <Typography variant="subtitle2">Drop-off investigation</Typography>
            <Typography variant="caption" color="text.secondary">
              Checked on every hourly scheduled run. Baseline: the same local hours of the previous days ({tz}); alert when the drop-off is more than the threshold above it.
            </Typography>
          </Box>
          <TextField select size="small" label="Evaluation" value={id ?? ''} onChange={(e) => setSelected(Number(e.target.value))} sx={{ minWidth: 300 }} data-testid="dropoff-select">
            {rows.length === 0 ? <MenuItem value="" disabled>none yet</MenuItem> : null}
            {id !== null && !rows.some((r) => r.id === id) ? <MenuItem value={id}>#{id}{inv && inv.id === id ? ` · ${inv.window.label} · ${inv.watch.id}` : ''}</MenuItem> : null}
            {rows.map((r) => (
              <MenuItem key={r.id} value={r.id}>
                {formatDateTime(r.windowStart, tz)} – {formatDateTime(r.windowEnd, tz).slice(11)} · {r.watchId} · {pct(r.rate)} vs {pct(r.baselineRate)}{r.fired ? ' · ALERT' : ''}{r.flagged ? ' · flagged' : ''}
              </MenuItem>
            ))}
          </TextField>
          <TextField size="small" type="date" label="Day" value={date} onChange={(e) => setDate(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} sx={{ width: 160 }} />
          <TextField select size="small" label="Up to hour" value={hour} onChange={(e) => setHour(e.target.value)} sx={{ width: 130 }} data-testid="dropoff-hour">
            <MenuItem value="">latest</MenuItem>
            {Array.from({ length: 24 }, (_, h) => <MenuItem key={h} value={String(h)}>{String(h).padStart(2, '0')}:00–{String(h + 1).padStart(2, '0')}:00</MenuItem>)}
          </TextField>
          <Button variant="outlined" onClick={() => void investigate()} disabled={busy !== null || (hour !== '' && !date)} data-testid="dropoff-investigate">
            {busy === 'investigate' ? 'Investigating…' : 'Investigate'}
          </Button>
          <Button color="inherit" onClick={() => setSettingsOpen(true)} data-testid="dropoff-settings">Settings</Button>
        </Box>
        {error ? <Alert severity="error" sx={{ mb: 1 }} onClose={() => setError(null)}>{error}</Alert> : null}
        {list.data && rows.length === 0 && !inv ? (
          <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>No evaluation yet: the hourly run stores one per hour, or use “Investigate”.</Typography>
        ) : null}
        {inv ? (
          <Box sx={{ display: 'grid', gap: 1.5 }} data-testid="dropoff-investigation">
            <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, flexWrap: 'wrap' }}>
              <Typography variant="body2"><b>{inv.watch.label}</b>: {inv.watch.fromLabel} → {inv.watch.toLabel} · {inv.window.label} ({tz})</Typography>
              <Chip size="small" color={inv.trigger.fired ? 'error' : 'default'} label={inv.trigger.fired ? 'Triggered' : 'Not triggered'} data-testid="dropoff-status" />
              {inv.alert ? <Chip size="small" variant="outlined" label={`alert #${inv.alert.id}${inv.alert.newEpisode ? '' : ' (episode)'}`} /> : null}
              {inv.review ? <Chip size="small" color="warning" label="Flagged for UX/product review" data-testid="dropoff-flagged" /> : null}
              <Box sx={{ flex: 1 }} />
              <Button size="small" startIcon={<DownloadIcon />} variant="outlined" disabled={busy !== null} onClick={() => void exportFile('csv', 'causes')} data-testid="dropoff-export-csv">CSV</Button>
              <Button size="small" startIcon={<DownloadIcon />} variant="outlined" disabled={busy !== null} onClick={() => void exportFile('xlsx')} data-testid="dropoff-export-xlsx">XLSX</Button>
              <Button size="small" variant="contained" color="warning" disabled={busy !== null} onClick={() => { setNote(inv.review?.note ?? ''); setFlagOpen(true); }} data-testid="dropoff-flag">Flag for review</Button>
            </Box>
            <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(180px, 1fr))', gap: 1.5 }}>
              <KpiCard label="Drop-off now" value={pct(inv.current.rate)} testid="dropoff-kpi-rate" footer={`${formatInt(inv.current.dropped)} of ${formatInt(inv.current.entered)} sessions`} />
              <KpiCard label="Baseline" value={pct(inv.baseline.rate)} testid="dropoff-kpi-baseline" footer={`${formatInt(inv.baseline.dropped)} of ${formatInt(inv.baseline.entered)}, same hours of the previous ${inv.baselineWindows.length} days`} />
              <KpiCard label="Excess" value={`${signed(inv.excessPp)} pp`} testid="dropoff-kpi-excess" footer={`threshold > ${inv.trigger.thresholdPp} pp · z ${num(inv.z, 2)}`} />
              <KpiCard label="Excess dropped sessions" value={num(inv.excessDropped, 1)} testid="dropoff-kpi-excess-sessions" footer="dropped − baseline rate × sessions" />
            </Box>
            <Typography variant="caption" color="text.secondary">
              Baseline: {inv.baselineMethod}. Dropped = did not reach {inv.watch.toLabel} within {inv.completionMinutes} min{inv.dataComplete ? '' : ' (the data does not cover that yet for this window)'}. Trigger: {inv.trigger.reason}.
            </Typography>
            <Box sx={{ display: 'flex', gap: 0.75, flexWrap: 'wrap', alignItems: 'center' }}>
              <Typography variant="caption" color="text.secondary">Common causes:</Typography>
              {inv.commonCauses.map((c) => (
                <Chip key={c.category} size="small" variant="outlined" color={c.excess > 0 ? 'error' : 'default'}
                  label={c.seen ? `${c.label}: ${formatInt(c.current)} (expected ${num(c.expected)})` : `${c.label}: not in the data`} />
              ))}
              <Link component="button" variant="body2" onClick={() => setSessionsOpen(true)} data-testid="dropoff-sessions-link">
                Affected sessions ({formatInt(inv.sessionsTotal)})
              </Link>
            </Box>
            {inv.review ? <Alert severity="warning" data-testid="dropoff-review-note">Flagged {formatDateTime(inv.review.flaggedAt, tz)} by {inv.review.actor}: {inv.review.note}</Alert> : null}

            <Box>
              <Typography variant="subtitle2">Causes ranked by the excess drop-off they explain</Typography>
              <Typography variant="caption" color="text.secondary">
                Per cause and device: dropped sessions carrying it, against the baseline’s (carriers ÷ sessions on the device) × sessions now. A session may carry several causes.
              </Typography>
              <TableContainer sx={{ maxHeight: 360 }}>
                <Table size="small" stickyHeader data-testid="dropoff-causes">
                  <TableHead>
                    <TableRow>
                      <TableCell>#</TableCell><TableCell>Cause</TableCell><TableCell>Device</TableCell>
                      <TableCell align="right">Dropped with it</TableCell><TableCell align="right">Expected</TableCell>
                      <TableCell align="right">Excess</TableCell><TableCell align="right">Share of excess</TableCell><TableCell>By source (excess)</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {causes.map((c) => (
                      <TableRow key={`${c.cause}|${c.device}`} hover>
                        <TableCell>{c.rank}</TableCell>
                        <TableCell><Box component="span" sx={{ fontFamily: monoFont }}>{c.label}</Box> <Chip size="small" label={c.category.replace('_', ' ')} /></TableCell>
                        <TableCell>{c.device}</TableCell>
                        <TableCell align="right">{formatInt(c.current)}</TableCell>
                        <TableCell align="right">{num(c.expected)}</TableCell>
                        <TableCell align="right" sx={{ fontWeight: c.excess > 0 ? 600 : 400 }}>{signed(c.excess)}</TableCell>
                        <TableCell align="right">{pct(c.shareOfExcess)}</TableCell>
                        <TableCell>{c.bySource.filter((x) => x.current > 0).slice(0, 4).map((x) => `${x.key} ${signed(x.excess)}`).join(' · ')}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            </Box>
            <Box>
              <Typography variant="subtitle2">Segments (device × source)</Typography>
              <TableContainer sx={{ maxHeight: 280 }}>
                <Table size="small" stickyHeader data-testid="dropoff-segments">
                  <TableHead>
                    <TableRow>
                      <TableCell>Device</TableCell><TableCell>Source</TableCell><TableCell align="right">Sessions</TableCell><TableCell align="right">Dropped</TableCell>
                      <TableCell align="right">Rate</TableCell><TableCell align="right">Baseline</TableCell><TableCell align="right">Excess dropped</TableCell>
                    </TableRow>
                  </TableHead>
                  <TableBody>
                    {inv.segments.slice(0, 12).map((s) => (
                      <TableRow key={`${s.device}|${s.source}`} hover>
                        <TableCell>{s.device}</TableCell><TableCell>{s.source}</TableCell>
                        <TableCell align="right">{formatInt(s.entered)}</TableCell><TableCell align="right">{formatInt(s.dropped)}</TableCell>
                        <TableCell align="right">{pct(s.rate)}</TableCell><TableCell align="right">{pct(s.baselineRate)}</TableCell>
                        <TableCell align="right">{signed(s.excessDropped)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </TableContainer>
            </Box>
          </Box>
        ) : null}
      </CardContent>

      <Dialog open={sessionsOpen && inv !== null} onClose={() => setSessionsOpen(false)} maxWidth="lg" fullWidth>
        <DialogTitle>
          Sessions that reached {inv?.watch.fromLabel} and did not reach {inv?.watch.toLabel}
          <Typography variant="body2" color="text.secondary">{inv?.window.label} ({tz}) · {formatInt(inv?.sessionsTotal ?? 0)} session(s){inv && inv.sessionsTotal > inv.sessions.length ? `, the first ${formatInt(inv.sessions.length)} shown` : ''}</Typography>
        </DialogTitle>
        <DialogContent dividers sx={{ p: 0 }}>
          <TableContainer sx={{ maxHeight: '62vh' }}>
            <Table size="small" stickyHeader data-testid="dropoff-sessions">
              <TableHead>
                <TableRow><TableCell>Session</TableCell><TableCell>User</TableCell><TableCell>Device</TableCell><TableCell>Source</TableCell><TableCell>Started</TableCell><TableCell>Furthest step</TableCell><TableCell>Causes</TableCell></TableRow>
              </TableHead>
              <TableBody>
                {inv?.sessions.map((s) => (
                  <TableRow key={s.unit} hover>
                    <TableCell sx={{ fontFamily: monoFont }}>{s.unit}</TableCell><TableCell sx={{ fontFamily: monoFont }}>{s.userId ?? '—'}</TableCell>
                    <TableCell>{s.device}</TableCell><TableCell>{s.source}</TableCell><TableCell>{formatDateTime(s.enteredAt, tz, { seconds: true })}</TableCell>
                    <TableCell>{s.lastStep}</TableCell>
                    <TableCell>{s.causes.map((c) => <Chip key={c} size="small" variant="outlined" color={c.startsWith('payment_failed') || c.startsWith('error') ? 'error' : 'default'} label={c} sx={{ mr: 0.5 }} />)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
        </DialogContent>
        <DialogActions>
          <Button startIcon={<DownloadIcon />} onClick={() => void exportFile('csv', 'sessions')} disabled={busy !== null}>CSV</Button>
          <Button onClick={() => setSessionsOpen(false)}>Close</Button>
        </DialogActions>
      </Dialog>

      <DropoffSettingsDialog open={settingsOpen} onClose={() => setSettingsOpen(false)} onSaved={() => setNonce((n) => n + 1)} />

      <Dialog open={flagOpen} onClose={() => setFlagOpen(false)} maxWidth="sm" fullWidth>
        <DialogTitle>Flag for UX/product review</DialogTitle>
        <DialogContent>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>The flag and the note go to the audit log with your name and the time.</Typography>
          <TextField autoFocus fullWidth multiline minRows={3} label="Note" value={note} onChange={(e) => setNote(e.target.value)} slotProps={{ htmlInput: { maxLength: 2000, 'data-testid': 'dropoff-flag-note' } }} />
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setFlagOpen(false)}>Cancel</Button>
          <Button variant="contained" color="warning" onClick={() => void flag()} disabled={busy !== null || note.trim() === ''} data-testid="dropoff-flag-save">Flag</Button>
        </DialogActions>
      </Dialog>
    </Card>
  );
}
