/** Dialogs of the Reconciliation page: import a settlement file for a date, and the daily run's settings. */
import { useEffect, useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import Switch from '@mui/material/Switch';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { ReconRunDetail, ReconSettings } from '../../../main/common/api-reconciliation.ts';
import { useApi, errorMessage } from '../../api/ApiContext.tsx';
import { formatBytes } from '../../format.ts';
import { bytesToBase64 } from '../../pages/reconFormat.ts';

const MAX_FILE = 64 * 1024 * 1024;

export function ImportDialog(props: { open: boolean; date: string; gateways: string[]; onClose: () => void; onDone: (r: ReconRunDetail) => void }) {
  const api = useApi();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [date, setDate] = useState(props.date);
  const [gateway, setGateway] = useState('');
  const [kind, setKind] = useState<'settlement' | 'ledger'>('settlement');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDate(props.date), [props.date]);

  async function run() {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      if (file.size > MAX_FILE) throw new Error(`the file is larger than ${formatBytes(MAX_FILE)}: use marketlens recon run --file`);
      const base64 = bytesToBase64(new Uint8Array(await file.arrayBuffer()));
      const r = await api.call('recon.run', { date, files: [{ name: file.name, base64, gateway: gateway || undefined, kind }] });
      setFile(null);
      props.onDone(r);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={props.open} onClose={busy ? undefined : props.onClose} maxWidth="sm" fullWidth>
      <DialogTitle>Reconcile a settlement file</DialogTitle>
      <DialogContent dividers sx={{ display: 'flex', flexDirection: 'column', gap: 2 }}>
        <Typography variant="body2" color="text.secondary">
          CSV or XLSX: the platform's format, Stripe itemized payout reconciliation, Adyen Settlement details, PayPal STL,
          VNPay or MoMo reconciliation files — recognised by their header. The file replaces the platform's report of its gateway for the date;
          rows that cannot be read go to the quarantine.
        </Typography>
        <Box sx={{ display: 'flex', gap: 1.5, alignItems: 'center' }}>
          <input ref={input} type="file" hidden accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-testid="recon-import-file"
            onChange={(e) => { setFile(e.target.files?.[0] ?? null); setError(null); }} />
          <Button variant="outlined" onClick={() => input.current?.click()} disabled={busy}>Choose file…</Button>
          <Typography variant="body2" color={file ? 'text.primary' : 'text.secondary'} data-testid="recon-import-name">{file ? `${file.name} (${formatBytes(file.size)})` : 'No file chosen'}</Typography>
        </Box>
        <Box sx={{ display: 'flex', gap: 1.5, flexWrap: 'wrap' }}>
          <TextField type="date" label="Business date" value={date} onChange={(e) => setDate(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
          <TextField select label="Gateway" value={gateway} onChange={(e) => setGateway(e.target.value)} sx={{ minWidth: 160 }} helperText="when the file does not say">
            <MenuItem value="">From the file</MenuItem>
            {props.gateways.map((g) => <MenuItem key={g} value={g}>{g}</MenuItem>)}
          </TextField>
          <TextField select label="Kind" value={kind} onChange={(e) => setKind(e.target.value as 'settlement' | 'ledger')} sx={{ minWidth: 140 }}>
            <MenuItem value="settlement">Settlement report</MenuItem>
            <MenuItem value="ledger">Ledger (captures)</MenuItem>
          </TextField>
        </Box>
        {busy ? <LinearProgress /> : null}
        {error ? <Alert severity="error" data-testid="recon-import-error">{error}</Alert> : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} disabled={busy}>Cancel</Button>
        <Button variant="contained" onClick={run} disabled={!file || !date || busy} data-testid="recon-import-run">Reconcile</Button>
      </DialogActions>
    </Dialog>
  );
}

export function SettingsDialog(props: { open: boolean; settings: ReconSettings | undefined; onClose: () => void; onSaved: (s: ReconSettings) => void }) {
  const api = useApi();
  const [form, setForm] = useState({ amount: '', currency: 'VND', agingDays: '3', runHour: '2', runMinute: '0', scheduleEnabled: true, tolerance: '', gateways: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const s = props.settings;
    if (!s || !props.open) return;
    setForm({
      amount: s.alertThreshold.amount, currency: s.alertThreshold.currency, agingDays: String(s.agingDays), runHour: String(s.runHour), runMinute: String(s.runMinute),
      scheduleEnabled: s.scheduleEnabled, tolerance: Object.entries(s.toleranceMinor).map(([c, v]) => `${c}=${v}`).join(', '), gateways: s.gateways.join(', '),
    });
  }, [props.settings, props.open]);

  async function save() {
    setBusy(true);
    setError(null);
    try {
      const toleranceMinor: Record<string, number> = {};
      for (const part of form.tolerance.split(',').map((x) => x.trim()).filter(Boolean)) {
        const m = /^([A-Za-z]{3})\s*=\s*(\d+)$/.exec(part);
        if (!m) throw new Error(`tolerance "${part}": write CUR=minor units, e.g. VND=0, USD=1`);
        toleranceMinor[m[1]!.toUpperCase()] = Number(m[2]);
      }
      const s = await api.call('recon.settings.update', {
        alertThreshold: { amount: form.amount.trim(), currency: form.currency.trim().toUpperCase() }, agingDays: Number(form.agingDays), runHour: Number(form.runHour),
        runMinute: Number(form.runMinute), scheduleEnabled: form.scheduleEnabled, toleranceMinor,
        gateways: form.gateways.split(',').map((g) => g.trim().toLowerCase()).filter(Boolean),
      });
      props.onSaved(s);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  const f = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => setForm({ ...form, [k]: e.target.value });
  return (
    <Dialog open={props.open} onClose={props.onClose} maxWidth="sm" fullWidth>
      <DialogTitle>Reconciliation settings</DialogTitle>
      <DialogContent dividers sx={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 2 }}>
        <TextField label="Alert threshold (major units)" value={form.amount} onChange={f('amount')} slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': 'recon-threshold' } }} />
        <TextField label="Threshold currency" value={form.currency} onChange={f('currency')} slotProps={{ htmlInput: { maxLength: 3 } }} />
        <TextField label="Pending settlement window (days)" value={form.agingDays} onChange={f('agingDays')} helperText="internal_only becomes an exception at this age" />
        <TextField label="Tolerances (minor units)" value={form.tolerance} onChange={f('tolerance')} placeholder="VND=0, USD=0" helperText="per currency; default zero" />
        <TextField label="Gateways" value={form.gateways} onChange={f('gateways')} sx={{ gridColumn: '1 / -1' }} />
        <FormControlLabel control={<Switch checked={form.scheduleEnabled} onChange={(e) => setForm({ ...form, scheduleEnabled: e.target.checked })} />} label="Run every day for T-1" />
        <Box sx={{ display: 'flex', gap: 1 }}>
          <TextField label="Hour" value={form.runHour} onChange={f('runHour')} />
          <TextField label="Minute" value={form.runMinute} onChange={f('runMinute')} />
        </Box>
        <Typography variant="caption" color="text.secondary" sx={{ gridColumn: '1 / -1' }}>
          The total discrepancy converts other currencies at the workspace FX rates (Settings). Missed days are caught up at the next start. Changes are audited.
        </Typography>
        {error ? <Alert severity="error" sx={{ gridColumn: '1 / -1' }}>{error}</Alert> : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose} disabled={busy}>Cancel</Button>
        <Button variant="contained" onClick={save} disabled={busy} data-testid="recon-settings-save">Save</Button>
      </DialogActions>
    </Dialog>
  );
}
