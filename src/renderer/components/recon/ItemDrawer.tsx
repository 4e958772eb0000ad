/** One item: both sides' raw records side by side, its resolution history, resolve / reopen. */
import { useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import Divider from '@mui/material/Divider';
import Drawer from '@mui/material/Drawer';
import IconButton from '@mui/material/IconButton';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReconItemRow, ResolutionKind } from '../../../main/common/api-reconciliation.ts';
import { useApi, useApiQuery, errorMessage } from '../../api/ApiContext.tsx';
import { RawPayload } from '../RawPayload.tsx';
import { CloseIcon } from '../icons.tsx';
import { formatDateTime } from '../../format.ts';
import { DASH, money, STATUS_LABEL, statusColor } from '../../pages/reconFormat.ts';

const KIND_LABEL: Record<ResolutionKind, string> = { write_off: 'Write-off', manual_match: 'Matched manually', timing: 'Timing (settles later)' };

export function ItemDrawer(props: { runId: number; itemKey: string | null; timezone: string; onClose: () => void; onChanged: () => void }) {
  return (
    <Drawer anchor="right" open={props.itemKey !== null} onClose={props.onClose} sx={{ zIndex: (t) => t.zIndex.drawer + 2 }}
      slotProps={{ paper: { sx: { width: { xs: '100%', md: 860 } } } }}>
      {props.itemKey !== null ? <DrawerBody {...props} itemKey={props.itemKey} /> : null}
    </Drawer>
  );
}

function DrawerBody(props: { runId: number; itemKey: string; timezone: string; onClose: () => void; onChanged: () => void }) {
  const api = useApi();
  const [nonce, setNonce] = useState(0);
  const q = useApiQuery('recon.item', { runId: props.runId, key: props.itemKey }, `${props.runId}:${props.itemKey}:${nonce}`);
  const [dialog, setDialog] = useState<'resolve' | 'reopen' | null>(null);
  const d = q.data?.item.key === props.itemKey ? q.data : null;
  const it = d?.item ?? null;

  return (
      <Box sx={{ p: 2 }} data-testid="recon-drawer">
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 1, mb: 1 }}>
          <Typography variant="h6" sx={{ flex: 1, wordBreak: 'break-all' }}>{it ? (it.paymentId ?? it.gatewayTxnId ?? it.key) : props.itemKey}</Typography>
          <IconButton aria-label="close" onClick={props.onClose}><CloseIcon /></IconButton>
        </Box>
        {q.loading && !d ? <LinearProgress /> : null}
        {q.error ? <Alert severity="error">{q.error}</Alert> : null}
        {it && d ? (
          <>
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', alignItems: 'center', mb: 1.5 }}>
              <Chip label={STATUS_LABEL[it.status]} color={statusColor(it.status, it.review)} />
              <Chip label={it.recordType} variant="outlined" />
              <Chip label={it.review === 'exception' ? 'exception' : it.review === 'pending' ? 'pending settlement' : 'no action'} variant="outlined" />
              {it.state === 'resolved' ? <Chip color="success" label={`resolved: ${KIND_LABEL[it.resolution!.kind!]}`} data-testid="recon-drawer-state" />
                : it.state === 'open' ? <Chip color="warning" label={it.staleResolution ? 'open — the record changed since its resolution' : 'open'} data-testid="recon-drawer-state" /> : null}
              <Box sx={{ flex: 1 }} />
              {it.state === 'open' ? <Button variant="contained" onClick={() => setDialog('resolve')} data-testid="recon-resolve">Resolve…</Button> : null}
              {it.state === 'resolved' || it.staleResolution ? <Button variant="outlined" onClick={() => setDialog('reopen')} data-testid="recon-reopen">Reopen…</Button> : null}
            </Box>
            <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr auto 1fr', columnGap: 2, rowGap: 0.5, m: 0, mb: 2, '& dt': { color: 'text.secondary' }, '& dd': { m: 0, wordBreak: 'break-all' } }}>
              <dt>Captured</dt><dd>{money(it.captured, it.currency)}{it.capturedDate ? ` (${it.capturedDate})` : ''}</dd>
              <dt>Settled</dt><dd>{money(it.settled, it.settledCurrency)}{it.settledDate ? ` (${it.settledDate})` : ''}</dd>
              <dt>Discrepancy</dt><dd data-testid="recon-drawer-discrepancy">{it.status === 'currency_mismatch' ? 'not computed across currencies' : money(it.discrepancy, it.currency)}</dd>
              <dt>Fee</dt><dd>{money(it.fee, it.feeCurrency)}</dd>
              {it.eventAmount !== null ? <><dt>Event amount</dt><dd>{money(it.eventAmount, it.currency)}</dd></> : null}
              <dt>Order</dt><dd><code>{it.orderId ?? DASH}</code></dd>
              <dt>Gateway txn</dt><dd><code>{it.gatewayTxnId ?? DASH}</code></dd>
              <dt>Record key</dt><dd><code>{it.key}</code></dd>
              {it.ageDays !== null ? <><dt>Age</dt><dd>{it.ageDays} day(s)</dd></> : null}
            </Box>
            {it.note ? <Alert severity="info" sx={{ mb: 2 }}>{it.note}</Alert> : null}
            <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', md: '1fr 1fr' }, gap: 1.5, mb: 2 }}>
              <Side title={`Gateway settlement (${it.gateway})`} origin={d.settlementOrigin} raw={d.settlementRaw} testid="recon-raw-settlement" />
              <Side title="Internal ledger" origin={d.ledgerOrigin} raw={d.ledgerRaw} testid="recon-raw-ledger" />
            </Box>
            {d.eventRaw ? <Side title="Synced payment.captured event" origin={null} raw={d.eventRaw} testid="recon-raw-event" /> : null}
            <Divider sx={{ my: 2 }} />
            <Typography variant="subtitle2" sx={{ mb: 1 }}>History</Typography>
            {d.history.length === 0 ? <Typography variant="body2" color="text.secondary">No resolution yet.</Typography> : (
              <Box component="ul" sx={{ pl: 2, m: 0 }} data-testid="recon-history">
                {d.history.map((h) => (
                  <li key={h.id}>
                    <Typography variant="body2">
                      <b>{h.action === 'resolve' ? `Resolved: ${KIND_LABEL[h.kind!]}` : 'Reopened'}</b> by {h.actor}, {formatDateTime(h.at, props.timezone, { seconds: true })} (run #{h.runId})
                      {h.matchedTo ? <> — matched to <code>{h.matchedTo}</code></> : null} — {h.note}
                    </Typography>
                  </li>
                ))}
              </Box>
            )}
            {d.otherRuns.length > 0 ? (
              <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 1 }}>
                Also in: {d.otherRuns.map((r) => `run #${r.runId} (${r.date}, ${STATUS_LABEL[r.status]})`).join(', ')}
              </Typography>
            ) : null}
            <ResolveDialog
              open={dialog !== null} mode={dialog ?? 'resolve'} item={it} onClose={() => setDialog(null)}
              onSubmit={async (v) => {
                if (dialog === 'reopen') await api.call('recon.reopen', { runId: props.runId, key: it.key, note: v.note });
                else await api.call('recon.resolve', { runId: props.runId, key: it.key, kind: v.kind, note: v.note, matchedTo: v.matchedTo || undefined });
                setDialog(null);
                setNonce((n) => n + 1);
                props.onChanged();
              }}
            />
          </>
        ) : null}
      </Box>
  );
}

function Side(props: { title: string; origin: string | null; raw: string | null; testid: string }) {
  return (
    <Box data-testid={props.testid}>
      <Typography variant="subtitle2">{props.title}</Typography>
      <Typography variant="caption" color="text.secondary" component="div" sx={{ mb: 0.5, wordBreak: 'break-all' }}>{props.origin ?? ' '}</Typography>
      {props.raw ? <RawPayload raw={props.raw} maxHeight={360} /> : <Typography variant="body2" color="text.secondary">No record on this side.</Typography>}
    </Box>
  );
}

function ResolveDialog(props: {
  open: boolean; mode: 'resolve' | 'reopen'; item: ReconItemRow; onClose: () => void;
  onSubmit: (v: { kind: ResolutionKind; note: string; matchedTo: string }) => Promise<void>;
}) {
  const [kind, setKind] = useState<ResolutionKind>('timing');
  const [note, setNote] = useState('');
  const [matchedTo, setMatchedTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const valid = note.trim().length > 0 && (props.mode === 'reopen' || kind !== 'manual_match' || matchedTo.trim().length > 0);
  async function submit() {
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit({ kind, note: note.trim(), matchedTo: matchedTo.trim() });
      setNote('');
      setMatchedTo('');
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <Dialog open={props.open} onClose={props.onClose} maxWidth="sm" fullWidth>
      <DialogTitle>{props.mode === 'resolve' ? 'Resolve' : 'Reopen'} {props.item.paymentId ?? props.item.key}</DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        {props.mode === 'resolve' ? (
          <TextField select label="Resolution" value={kind} onChange={(e) => setKind(e.target.value as ResolutionKind)} slotProps={{ htmlInput: { 'data-testid': 'recon-resolve-kind' } }}>
            {(Object.keys(KIND_LABEL) as ResolutionKind[]).map((k) => <MenuItem key={k} value={k}>{KIND_LABEL[k]}</MenuItem>)}
          </TextField>
        ) : null}
        {props.mode === 'resolve' && kind === 'manual_match' ? (
          <TextField label="Matched to (record key, payment id or gateway txn id)" value={matchedTo} onChange={(e) => setMatchedTo(e.target.value)} slotProps={{ htmlInput: { spellCheck: false } }} />
        ) : null}
        <TextField label={props.mode === 'resolve' ? 'Reason (required, kept in the audit log)' : 'Why reopen (required)'} value={note} onChange={(e) => setNote(e.target.value)} multiline minRows={3}
          slotProps={{ htmlInput: { 'data-testid': 'recon-resolve-note', maxLength: 2000 } }} />
        <Typography variant="caption" color="text.secondary">
          The source records are never edited. The action is appended to the audit log (who, when, before, after) and applies to this record in later runs of the date.
        </Typography>
        {error ? <Alert severity="error">{error}</Alert> : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} disabled={busy}>Cancel</Button>
        <Button variant="contained" onClick={submit} disabled={!valid || busy} data-testid="recon-resolve-submit">{props.mode === 'resolve' ? 'Resolve' : 'Reopen'}</Button>
      </DialogActions>
    </Dialog>
  );
}
