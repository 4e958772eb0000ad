/**
 * The drop-off watch settings (workspace settings, `dropoff.settings.update`, audited): threshold,
 * window, baseline days, sample guards, and the watched transitions of the standard funnel.
 */
import { useEffect, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import type { DropoffSettings, DropoffWatch } from '../../../analytics/dropoff/index.ts';
import { STANDARD_STEPS } from '../../../analytics/funnel/definition.ts';
import { useApi, errorMessage } from '../../api/ApiContext.tsx';

type NumKey = 'thresholdPp' | 'windowHours' | 'baselineDays' | 'minEntered' | 'minBaselineEntered' | 'minZ' | 'completionMinutes';
const FIELDS: { key: NumKey; label: string; help: string; int: boolean }[] = [
  { key: 'thresholdPp', label: 'Threshold (pp)', help: 'alert when the drop-off is more than this many points above the baseline', int: false },
  { key: 'windowHours', label: 'Window (hours)', help: 'the last N whole local hours', int: true },
  { key: 'baselineDays', label: 'Baseline (days)', help: 'the same hours of the previous N days', int: true },
  { key: 'minEntered', label: 'Min sessions', help: 'in the window', int: true },
  { key: 'minBaselineEntered', label: 'Min baseline sessions', help: 'over the baseline windows', int: true },
  { key: 'minZ', label: 'Min z score', help: 'noise guard; 0 turns it off', int: false },
  { key: 'completionMinutes', label: 'Completion (minutes)', help: 'dropped = not completed this long after reaching the step', int: true },
];

export function DropoffSettingsDialog(props: { open: boolean; onClose: () => void; onSaved: (s: DropoffSettings) => void }) {
  const api = useApi();
  const [s, setS] = useState<DropoffSettings | null>(null);
  const [text, setText] = useState<Record<NumKey, string>>({} as Record<NumKey, string>);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!props.open) return;
    setError(null);
    api.call('dropoff.settings.get', undefined).then((v) => {
      setS(v);
      setText(Object.fromEntries(FIELDS.map((f) => [f.key, String(v[f.key])])) as Record<NumKey, string>);
    }, (e: unknown) => setError(errorMessage(e)));
  }, [api, props.open]);

  const setWatch = (i: number, patch: Partial<DropoffWatch>): void => setS((p) => p && { ...p, watches: p.watches.map((w, j) => (j === i ? { ...w, ...patch } : w)) });
  const bad = FIELDS.filter((f) => {
    const n = Number(text[f.key]);
    return text[f.key] === undefined || text[f.key].trim() === '' || !Number.isFinite(n) || n < 0 || (f.int && !Number.isInteger(n));
  }).map((f) => f.key);

  async function save() {
    if (!s) return;
    setBusy(true);
    setError(null);
    try {
      const patch = { enabled: s.enabled, watches: s.watches, ...Object.fromEntries(FIELDS.map((f) => [f.key, Number(text[f.key])])) };
      props.onSaved(await api.call('dropoff.settings.update', patch));
      props.onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={props.open} onClose={props.onClose} maxWidth="md" fullWidth>
      <DialogTitle>Drop-off watch settings</DialogTitle>
      <DialogContent>
        {error ? <Alert severity="error" sx={{ mb: 1 }}>{error}</Alert> : null}
        {s ? (
          <Box sx={{ display: 'grid', gap: 2, pt: 1 }}>
            <FormControlLabel control={<Checkbox checked={s.enabled} onChange={(e) => setS({ ...s, enabled: e.target.checked })} />} label="Evaluate on the hourly scheduled run" />
            <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(3, 1fr)', gap: 1.5 }}>
              {FIELDS.map((f) => (
                <TextField key={f.key} size="small" label={f.label} value={text[f.key] ?? ''} error={bad.includes(f.key)} helperText={f.help}
                  onChange={(e) => setText({ ...text, [f.key]: e.target.value })} slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': `dropoff-setting-${f.key}` } }} />
              ))}
            </Box>
            <Typography variant="subtitle2">Watched transitions (standard funnel)</Typography>
            {s.watches.map((w, i) => (
              <Box key={i} sx={{ display: 'grid', gridTemplateColumns: 'auto 1fr 1fr 2fr auto', gap: 1, alignItems: 'center' }}>
                <Checkbox checked={w.enabled} onChange={(e) => setWatch(i, { enabled: e.target.checked })} />
                <TextField select size="small" label="From (sessions that reached)" value={w.fromEventType} onChange={(e) => setWatch(i, { fromEventType: e.target.value })}>
                  {STANDARD_STEPS.slice(0, -1).map((st) => <MenuItem key={st.eventType} value={st.eventType}>{st.label}</MenuItem>)}
                </TextField>
                <TextField select size="small" label="To (dropped unless reached)" value={w.toEventType} onChange={(e) => setWatch(i, { toEventType: e.target.value })}>
                  {STANDARD_STEPS.slice(1).map((st) => <MenuItem key={st.eventType} value={st.eventType}>{st.label}</MenuItem>)}
                </TextField>
                <TextField size="small" label="Label" value={w.label} onChange={(e) => setWatch(i, { label: e.target.value })} />
                <Button color="inherit" onClick={() => setS({ ...s, watches: s.watches.filter((_, j) => j !== i) })}>Remove</Button>
              </Box>
            ))}
            <Box>
              <Button size="small" variant="outlined" disabled={s.watches.length >= 10} onClick={() => setS({
                ...s,
                watches: [...s.watches, { id: `watch_${Date.now().toString(36)}`, label: 'Add to cart → checkout started', fromEventType: 'product.added_to_cart', toEventType: 'checkout.started', enabled: true }],
              })}>Add a watch</Button>
            </Box>
          </Box>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button variant="contained" onClick={() => void save()} disabled={busy || !s || bad.length > 0} data-testid="dropoff-settings-save">Save</Button>
      </DialogActions>
    </Dialog>
  );
}
