/** Workspace settings: business calendar, currencies, platform connection, live and alert rules. */
import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Chip from '@mui/material/Chip';
import IconButton from '@mui/material/IconButton';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { CURRENCY_EXPONENT } from '../../analytics/money.ts';
import { useApi, useApiMode, errorMessage } from '../api/ApiContext.tsx';
import { useAppData } from '../state/AppData.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { DeleteIcon } from '../components/icons.tsx';
import { formatDateTime, utcOffsetLabel } from '../format.ts';
import { diffPatch, hasErrors, toForm, validateForm, type SettingsForm } from './settingsForm.ts';

const CURRENCIES = Object.keys(CURRENCY_EXPONENT).sort();

function timezoneNames(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

export function SettingsPage() {
  const api = useApi();
  const { settings, setSettings, refreshInfo } = useAppData();
  const [form, setForm] = useState<SettingsForm | null>(settings ? toForm(settings) : null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const zones = useMemo(timezoneNames, []);

  useEffect(() => {
    if (settings && !form) setForm(toForm(settings));
  }, [settings, form]);

  if (!settings || !form) return <PageHeader title="Settings" subtitle="Loading…" />;

  const errors = validateForm(form);
  const patch = diffPatch(settings, form);
  const dirty = Object.keys(patch).length > 0 || form.token !== '';
  const set = <K extends keyof SettingsForm>(k: K, v: SettingsForm[K]) => {
    setSaved(false);
    setForm({ ...form, [k]: v });
  };

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!form || !settings || hasErrors(errors)) return;
    setSaving(true);
    setError(null);
    try {
      let next = settings;
      if (Object.keys(patch).length > 0) next = await api.call('settings.update', patch);
      if (form.token) {
        await api.call('settings.setToken', { token: form.token });
        next = await api.call('settings.get', undefined);
      }
      setSettings(next);
      setForm(toForm(next));
      setSaved(true);
      refreshInfo().catch(() => {});
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }

  const now = Date.now();

  return (
    <Box component="form" onSubmit={save} sx={{ maxWidth: 900 }} noValidate>
      <PageHeader
        title="Settings"
        subtitle="Stored in this workspace. Reports and the live view use these values."
        actions={
          <>
            <Button onClick={() => { setForm(toForm(settings)); setSaved(false); }} disabled={!dirty || saving}>Discard</Button>
            <Button type="submit" variant="contained" disabled={!dirty || saving || hasErrors(errors)} data-testid="settings-save">
              {saving ? 'Saving…' : 'Save'}
            </Button>
          </>
        }
      />
      {error ? <Alert severity="error" sx={{ mb: 2 }}>{error}</Alert> : null}
      {saved ? <Alert severity="success" sx={{ mb: 2 }} onClose={() => setSaved(false)} data-testid="settings-saved">Settings saved.</Alert> : null}

      <Section title="Business calendar and currency">
        <TextField
          label="Business timezone"
          value={form.timezone}
          onChange={(e) => set('timezone', e.target.value)}
          error={!!errors.timezone}
          helperText={errors.timezone ?? `${utcOffsetLabel(now, form.timezone)} · now ${formatDateTime(now, form.timezone)}. Days, hours and "today" follow this zone.`}
          slotProps={{ htmlInput: { list: 'ml-timezones', spellCheck: false, 'data-testid': 'settings-timezone' } }}
          sx={{ minWidth: 300 }}
        />
        <datalist id="ml-timezones">
          {zones.map((z) => <option key={z} value={z} />)}
        </datalist>
        <TextField
          select
          label="Reporting currency"
          value={form.reportingCurrency}
          onChange={(e) => set('reportingCurrency', e.target.value)}
          error={!!errors.reportingCurrency}
          helperText={errors.reportingCurrency ?? 'Headline totals are converted into this currency.'}
          sx={{ minWidth: 200 }}
          slotProps={{ htmlInput: { 'data-testid': 'settings-currency' } }}
        >
          {CURRENCIES.map((c) => <MenuItem key={c} value={c}>{c}</MenuItem>)}
        </TextField>
      </Section>

      <Section title="Exchange rates" note={`Units of ${form.reportingCurrency} per 1 unit of each other currency, as exact decimals. Amounts in a currency without a rate are shown separately, never added in.`}>
        <Box sx={{ display: 'grid', gap: 1, width: '100%' }}>
          {form.fxRates.length === 0 ? <Typography variant="body2" color="text.secondary">No rates.</Typography> : null}
          {form.fxRates.map((row, i) => {
            const err = errors.fxRates?.[i] ?? null;
            return (
              <Box key={i} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start' }} data-testid="fx-row">
                <Typography variant="body2" sx={{ pt: 1, width: 16, color: 'text.secondary' }}>1</Typography>
                <TextField
                  label="Currency"
                  value={row.currency}
                  onChange={(e) => set('fxRates', form.fxRates.map((r, j) => (j === i ? { ...r, currency: e.target.value.toUpperCase() } : r)))}
                  error={!!err && /currency|twice|same/.test(err)}
                  sx={{ width: 110 }}
                  slotProps={{ htmlInput: { maxLength: 3, list: 'ml-currencies' } }}
                />
                <Typography variant="body2" sx={{ pt: 1 }}>=</Typography>
                <TextField
                  label={`Rate (${form.reportingCurrency})`}
                  value={row.rate}
                  onChange={(e) => set('fxRates', form.fxRates.map((r, j) => (j === i ? { ...r, rate: e.target.value.trim() } : r)))}
                  error={!!err}
                  helperText={err ?? ' '}
                  sx={{ width: 260 }}
                  slotProps={{ htmlInput: { inputMode: 'decimal' } }}
                />
                <IconButton aria-label="remove rate" onClick={() => set('fxRates', form.fxRates.filter((_r, j) => j !== i))} sx={{ mt: 0.25 }}>
                  <DeleteIcon fontSize="small" />
                </IconButton>
              </Box>
            );
          })}
          <datalist id="ml-currencies">
            {CURRENCIES.map((c) => <option key={c} value={c} />)}
          </datalist>
          <Box>
            <Button onClick={() => set('fxRates', [...form.fxRates, { currency: '', rate: '' }])} data-testid="fx-add">Add rate</Button>
          </Box>
        </Box>
      </Section>

      <Section title="Platform">
        <TextField
          label="Platform URL"
          value={form.platformUrl}
          onChange={(e) => set('platformUrl', e.target.value)}
          error={!!errors.platformUrl}
          helperText={errors.platformUrl ?? 'The marketplace platform API that sync reads from.'}
          sx={{ flex: 1, minWidth: 320 }}
          slotProps={{ htmlInput: { spellCheck: false, 'data-testid': 'settings-platform-url' } }}
        />
        <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', minWidth: 320, flex: 1 }}>
          <TextField
            label="Access token"
            type="password"
            autoComplete="off"
            value={form.token}
            placeholder={settings.tokenSet ? '•••••••• (stored)' : ''}
            onChange={(e) => set('token', e.target.value)}
            helperText={settings.tokenSet ? 'A token is stored. Type a new one to replace it.' : 'Write-only: the token is never shown again.'}
            sx={{ flex: 1 }}
            slotProps={{ htmlInput: { 'data-testid': 'settings-token' }, inputLabel: { shrink: true } }}
          />
          <Chip sx={{ mt: 1 }} color={settings.tokenSet ? 'success' : 'default'} variant="outlined" label={settings.tokenSet ? 'stored' : 'not set'} data-testid="settings-token-state" />
        </Box>
      </Section>

      <Section title="Live view and alert rules">
        <NumberField label="Live refresh (s)" value={form.liveIntervalSeconds} error={errors.liveIntervalSeconds} onChange={(v) => set('liveIntervalSeconds', v)} help="How often the live snapshot is recomputed." testid="settings-live-interval" />
        <NumberField label="Poll platform (s)" value={form.pollSeconds} error={errors.pollSeconds} onChange={(v) => set('pollSeconds', v)} help="0 turns polling off." testid="settings-poll" />
        <NumberField label="GMV drop (%)" value={form.gmvDropPct} error={errors.gmvDropPct} onChange={(v) => set('gmvDropPct', v)} help="Alert when GMV falls by more than this." testid="settings-drop-pct" />
        <NumberField label="Window (minutes)" value={form.gmvWindowMinutes} error={errors.gmvWindowMinutes} onChange={(v) => set('gmvWindowMinutes', v)} help="Latest window vs the one before it." testid="settings-window" />
        <NumberField label="Min prior orders" value={form.gmvMinPriorOrders} error={errors.gmvMinPriorOrders} onChange={(v) => set('gmvMinPriorOrders', v)} help="Ignore drops after a quiet window." testid="settings-min-orders" />
        <TextField
          label="Runbook base URL"
          value={form.runbookBaseUrl}
          onChange={(e) => set('runbookBaseUrl', e.target.value)}
          error={!!errors.runbookBaseUrl}
          helperText={errors.runbookBaseUrl ?? 'Alerts link to a runbook page under this address.'}
          sx={{ flex: 1, minWidth: 320 }}
          slotProps={{ htmlInput: { spellCheck: false } }}
        />
      </Section>

      <NotificationSection />
    </Box>
  );
}

function Section(props: { title: string; note?: string; children: ReactNode }) {
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="subtitle2" sx={{ mb: props.note ? 0.25 : 1.5 }}>{props.title}</Typography>
        {props.note ? <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 0, mb: 1.5 }}>{props.note}</Typography> : null}
        <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap', alignItems: 'flex-start' }}>{props.children}</Box>
      </CardContent>
    </Card>
  );
}

function NumberField(props: { label: string; value: string; error?: string; help: string; onChange: (v: string) => void; testid: string }) {
  return (
    <TextField
      label={props.label}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value.trim())}
      error={!!props.error}
      helperText={props.error ?? props.help}
      sx={{ width: 190 }}
      slotProps={{ htmlInput: { inputMode: 'decimal', 'data-testid': props.testid } }}
    />
  );
}

/** Web mode: browser notifications for alerts (Electron shows native ones from the main process). */
function NotificationSection() {
  const mode = useApiMode();
  const supported = typeof Notification === 'function';
  const [perm, setPerm] = useState<string>(supported ? Notification.permission : 'unsupported');
  if (mode !== 'web') return null;
  return (
    <Section title="Desktop notifications">
      <Typography variant="body2" sx={{ flex: 1, pt: 0.5 }}>
        {perm === 'granted' ? 'This browser shows a notification when an alert fires.'
          : perm === 'denied' ? 'Notifications are blocked for this page in the browser settings.'
          : perm === 'unsupported' ? 'This browser does not support notifications.'
          : 'Allow notifications to hear about alerts while this tab is in the background.'}
      </Typography>
      {perm === 'default' ? (
        <Button variant="outlined" onClick={() => Notification.requestPermission().then(setPerm, () => {})}>Allow notifications</Button>
      ) : null}
    </Section>
  );
}
