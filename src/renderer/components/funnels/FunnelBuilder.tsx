/**
 * The funnel builder: pick a saved funnel, edit its steps (event type, label, property filters,
 * per-step window), order, counting unit, conversion window, inactivity gap, period, breakdowns,
 * top N and trend granularity; save, save as, delete. The form model and its rules live in
 * funnelsForm.ts.
 */
import { useState } from 'react';
import Accordion from '@mui/material/Accordion';
import AccordionDetails from '@mui/material/AccordionDetails';
import AccordionSummary from '@mui/material/AccordionSummary';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import ButtonGroup from '@mui/material/ButtonGroup';
import Checkbox from '@mui/material/Checkbox';
import Chip from '@mui/material/Chip';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogContentText from '@mui/material/DialogContentText';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import IconButton from '@mui/material/IconButton';
import ListSubheader from '@mui/material/ListSubheader';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import ToggleButton from '@mui/material/ToggleButton';
import ToggleButtonGroup from '@mui/material/ToggleButtonGroup';
import Tooltip from '@mui/material/Tooltip';
import Typography from '@mui/material/Typography';
import type { FunnelDefinition } from '../../../analytics/funnel/types.ts';
import { DeleteIcon, CloseIcon } from '../icons.tsx';
import { AddIcon, ArrowDownIcon, ArrowUpIcon, ExpandMoreIcon, FilterListIcon } from './icons.tsx';
import {
  BREAKDOWN_OPTIONS, DURATION_UNITS, EVENT_TYPES, FILTER_OP_OPTIONS, FILTER_PROPERTY_OPTIONS, MAX_STEPS, MIN_STEPS, ORDER_OPTIONS, UNIT_OPTIONS,
  addStep, lastDays, moveStep, removeStep, stepErrors, stepLabel, toggleBreakdown, updateStep, validateName,
  type DurationUnit, type FilterForm, type FormErrors, type FunnelForm, type TrendChoice,
} from './funnelsForm.ts';

export interface BuilderProps {
  form: FunnelForm;
  onChange: (f: FunnelForm) => void;
  errors: FormErrors;
  funnels: FunnelDefinition[];
  modified: boolean;
  /** the latest business day with data (for the range presets), when known */
  latestDay: string | null;
  busy: boolean;
  onSelect: (id: string) => void;
  onReset: () => void;
  onSave: () => void;
  onSaveAs: (name: string, scheduled: boolean) => Promise<boolean>;
  onDelete: () => Promise<boolean>;
}

export function FunnelBuilder(props: BuilderProps) {
  const { form, onChange: set, errors } = props;
  const [saveAsOpen, setSaveAsOpen] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const [stepsOpen, setStepsOpen] = useState(false);
  const builtin = form.funnelId === 'standard';
  const selected = props.funnels.find((f) => f.id === form.funnelId);
  const stepErrorCount = Object.keys(errors).filter((k) => k.startsWith('steps')).length;

  return (
    <Box sx={{ display: 'grid', gap: 1.5 }}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap' }}>
        <TextField
          select
          label="Funnel"
          value={form.funnelId ?? ''}
          onChange={(e) => props.onSelect(e.target.value)}
          sx={{ minWidth: 280 }}
          slotProps={{
            htmlInput: { 'data-testid': 'funnel-select' },
            select: { renderValue: (v) => props.funnels.find((f) => f.id === v)?.name ?? 'New funnel (unsaved)' },
          }}
        >
          {props.funnels.length === 0 ? <MenuItem value="" disabled>Loading…</MenuItem> : null}
          {form.funnelId === null ? <MenuItem value="">New funnel (unsaved)</MenuItem> : null}
          {props.funnels.map((f) => (
            <MenuItem key={f.id} value={f.id}>
              {f.name}
              {f.builtin ? <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>built in</Typography> : null}
              {f.scheduled && !f.builtin ? <Typography component="span" variant="caption" color="text.secondary" sx={{ ml: 1 }}>scheduled</Typography> : null}
            </MenuItem>
          ))}
        </TextField>
        {props.modified && form.funnelId !== null ? <Chip color="warning" variant="outlined" label="modified" data-testid="funnel-modified" /> : null}
        <Box sx={{ flex: 1 }} />
        {props.modified && selected ? <Button onClick={props.onReset} disabled={props.busy}>Revert</Button> : null}
        <Tooltip title={builtin ? 'The built-in funnel cannot be changed: use “Save as…”' : ''}>
          <span>
            <Button variant="outlined" onClick={props.onSave} disabled={props.busy || builtin || form.funnelId === null || !props.modified} data-testid="funnel-save">Save</Button>
          </span>
        </Tooltip>
        <Button variant="outlined" onClick={() => setSaveAsOpen(true)} disabled={props.busy} data-testid="funnel-save-as">Save as…</Button>
        <Button color="error" variant="outlined" startIcon={<DeleteIcon fontSize="small" />} onClick={() => setDeleteOpen(true)} disabled={props.busy || builtin || !selected} data-testid="funnel-delete">Delete</Button>
      </Box>

      <Box sx={{ display: 'flex', gap: 1.25, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <TextField
          label="From" type="date" value={form.from} onChange={(e) => set({ ...form, from: e.target.value })}
          error={Boolean(errors.from)} helperText={errors.from} sx={{ width: 158 }}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'funnel-from' } }}
        />
        <TextField
          label="To" type="date" value={form.to} onChange={(e) => set({ ...form, to: e.target.value })}
          error={Boolean(errors.to)} helperText={errors.to ?? (form.from === '' && form.to === '' ? 'Empty: last 7 days with data' : undefined)} sx={{ width: 158 }}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'funnel-to' } }}
        />
        <ButtonGroup size="small" variant="text" sx={{ mt: 0.5 }} aria-label="period presets">
          {[1, 7, 30].map((d) => (
            <Button key={d} disabled={!props.latestDay} onClick={() => props.latestDay && set({ ...form, ...lastDays(props.latestDay, d) })}>
              {d === 1 ? 'Last day' : `${d} d`}
            </Button>
          ))}
        </ButtonGroup>
        <TextField select label="Order" value={form.order} onChange={(e) => set({ ...form, order: e.target.value as FunnelForm['order'] })} sx={{ width: 130 }}>
          {ORDER_OPTIONS.map((o) => <MenuItem key={o.value} value={o.value}><Tooltip title={o.help} placement="right"><span>{o.label}</span></Tooltip></MenuItem>)}
        </TextField>
        <TextField select label="Count" value={form.unit} onChange={(e) => set({ ...form, unit: e.target.value as FunnelForm['unit'] })} sx={{ width: 116 }}>
          {UNIT_OPTIONS.map((o) => <MenuItem key={o.value} value={o.value}>{o.label}</MenuItem>)}
        </TextField>
        <DurationField
          label="Conversion window" value={form.windowValue} unit={form.windowUnit} error={errors.window}
          onChange={(v, u) => set({ ...form, windowValue: v, windowUnit: u })}
        />
        <TextField
          label="Session gap" value={form.gapMinutes} onChange={(e) => set({ ...form, gapMinutes: e.target.value })}
          error={Boolean(errors.gap)} helperText={errors.gap} sx={{ width: 112 }}
          slotProps={{ input: { endAdornment: <Typography variant="caption" color="text.secondary">min</Typography> }, htmlInput: { inputMode: 'decimal' } }}
        />
      </Box>

      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', flexWrap: 'wrap', minHeight: 40 }}>
        <Typography variant="body2" color="text.secondary" sx={{ mr: 0.5 }}>Break down by</Typography>
        {BREAKDOWN_OPTIONS.map((o) => {
          const on = form.breakdown.includes(o.value);
          const idx = form.breakdown.indexOf(o.value);
          return (
            <Chip
              key={o.value}
              label={on && form.breakdown.length > 1 ? `${idx + 1}. ${o.label}` : o.label}
              color={on ? 'primary' : 'default'}
              variant={on ? 'filled' : 'outlined'}
              onClick={() => set({ ...form, breakdown: toggleBreakdown(form.breakdown, o.value) })}
              data-testid={`funnel-breakdown-${o.value}`}
              aria-pressed={on}
            />
          );
        })}
        <Typography variant="caption" color="text.secondary">up to 2</Typography>
        {form.breakdown.length > 0 ? (
          <TextField
            label="Top N" value={form.topN} onChange={(e) => set({ ...form, topN: e.target.value })}
            error={Boolean(errors.topN)} helperText={errors.topN} sx={{ width: 90, ml: 1 }}
            slotProps={{ htmlInput: { inputMode: 'numeric' } }}
          />
        ) : null}
        {form.breakdown.length > 0 ? <Typography variant="caption" color="text.secondary">values per dimension, the rest as “other”</Typography> : null}
        <Box sx={{ flex: 1 }} />
        <Typography variant="body2" color="text.secondary">Trend</Typography>
        <ToggleButtonGroup size="small" exclusive value={form.trend} onChange={(_, v: TrendChoice | null) => v && set({ ...form, trend: v })} aria-label="trend granularity">
          {TREND_CHOICES.map((t) => <ToggleButton key={t.value} value={t.value} sx={{ py: 0.25, px: 1.25, textTransform: 'none' }} data-testid={`funnel-trend-${t.value}`}>{t.label}</ToggleButton>)}
        </ToggleButtonGroup>
      </Box>

      <Accordion
        expanded={stepsOpen || stepErrorCount > 0}
        onChange={(_, v) => setStepsOpen(v)}
        disableGutters
        variant="outlined"
        sx={{ '&:before': { display: 'none' }, borderRadius: 1 }}
      >
        <AccordionSummary expandIcon={<ExpandMoreIcon />} sx={{ minHeight: 44, '& .MuiAccordionSummary-content': { my: 0.75, alignItems: 'center', gap: 1, flexWrap: 'wrap' } }} data-testid="funnel-steps-toggle">
          <Typography variant="subtitle2" sx={{ mr: 0.5 }}>Steps ({form.steps.length})</Typography>
          {form.steps.map((s, i) => (
            <Box key={i} sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
              {i > 0 ? <Typography color="text.disabled">→</Typography> : null}
              <Chip
                variant="outlined"
                color={stepErrors(errors, i).length ? 'error' : 'default'}
                label={`${stepLabel(s)}${s.filters.length ? ` · ${s.filters.length} filter${s.filters.length > 1 ? 's' : ''}` : ''}`}
              />
            </Box>
          ))}
          {errors.steps ? <Typography variant="caption" color="error">{errors.steps}</Typography> : null}
        </AccordionSummary>
        <AccordionDetails sx={{ pt: 0, display: 'grid', gap: 1 }}>
          {form.steps.map((s, i) => (
            <StepEditor key={i} form={form} i={i} errors={errors} onChange={set} />
          ))}
          <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }}>
            <Button startIcon={<AddIcon />} onClick={() => set(addStep(form))} disabled={form.steps.length >= MAX_STEPS} data-testid="funnel-add-step">Add step</Button>
            <Typography variant="caption" color="text.secondary">
              {MIN_STEPS}–{MAX_STEPS} steps. {form.order === 'any' ? 'Any order ignores per-step windows.' : 'A step window limits the time since the previous step.'}
            </Typography>
          </Box>
        </AccordionDetails>
      </Accordion>

      <SaveAsDialog
        open={saveAsOpen}
        initialName={form.funnelId && !builtin ? `${form.name} (copy)` : ''}
        initialScheduled={false}
        funnels={props.funnels}
        onClose={() => setSaveAsOpen(false)}
        onSave={async (name, scheduled) => {
          if (await props.onSaveAs(name, scheduled)) setSaveAsOpen(false);
        }}
      />
      <Dialog open={deleteOpen} onClose={() => setDeleteOpen(false)}>
        <DialogTitle>Delete “{selected?.name}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>The funnel definition is removed from this workspace (the audit log keeps a copy). Stored scheduled reports stay.</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setDeleteOpen(false)}>Cancel</Button>
          <Button color="error" variant="contained" onClick={async () => { if (await props.onDelete()) setDeleteOpen(false); }} data-testid="funnel-delete-confirm">Delete</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

function DurationField(props: { label: string; value: string; unit: DurationUnit; error?: string; onChange: (v: string, u: DurationUnit) => void; width?: number; placeholder?: string }) {
  return (
    <Box sx={{ display: 'flex', gap: 0.5, alignItems: 'flex-start' }}>
      <TextField
        label={props.label} value={props.value} placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value, props.unit)}
        error={Boolean(props.error)} helperText={props.error} sx={{ width: props.width ?? 128 }}
        slotProps={{ htmlInput: { inputMode: 'decimal' }, inputLabel: props.placeholder ? { shrink: true } : undefined }}
      />
      <TextField select value={props.unit} onChange={(e) => props.onChange(props.value, e.target.value as DurationUnit)} sx={{ width: 96 }} slotProps={{ select: { SelectDisplayProps: { 'aria-label': `${props.label} unit` } as React.HTMLAttributes<HTMLDivElement> } }}>
        {DURATION_UNITS.map((u) => <MenuItem key={u.value} value={u.value}>{u.label}</MenuItem>)}
      </TextField>
    </Box>
  );
}

function StepEditor(props: { form: FunnelForm; i: number; errors: FormErrors; onChange: (f: FunnelForm) => void }) {
  const { form, i, errors, onChange: set } = props;
  const s = form.steps[i]!;
  const at = `steps.${i}`;
  const setFilters = (filters: FilterForm[]) => set(updateStep(form, i, { filters }));
  return (
    <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, p: 1, display: 'grid', gap: 1 }} data-testid={`funnel-step-editor-${i + 1}`}>
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', flexWrap: 'wrap' }}>
        <Box sx={{ width: 26, height: 26, mt: 0.5, borderRadius: '50%', bgcolor: 'primary.main', color: 'primary.contrastText', display: 'grid', placeItems: 'center', fontWeight: 700, fontSize: 13, flexShrink: 0 }}>{i + 1}</Box>
        <TextField
          select label="Event type" value={s.eventType} onChange={(e) => set(updateStep(form, i, { eventType: e.target.value }))}
          error={Boolean(errors[`${at}.eventType`])} helperText={errors[`${at}.eventType`]} sx={{ width: 250 }}
          slotProps={{ htmlInput: { 'data-testid': `funnel-step-${i + 1}-type` } }}
        >
          {EVENT_TYPES.includes(s.eventType) ? null : <MenuItem value={s.eventType} disabled>{s.eventType || 'Choose…'}</MenuItem>}
          {groupedEventTypes().flatMap(([group, types]) => [
            <ListSubheader key={`g-${group}`} sx={{ lineHeight: '28px' }}>{group}</ListSubheader>,
            ...types.map((t) => <MenuItem key={t} value={t} sx={{ fontSize: 13 }}>{t}</MenuItem>),
          ])}
        </TextField>
        <TextField
          label="Label" value={s.label} placeholder={s.eventType} onChange={(e) => set(updateStep(form, i, { label: e.target.value }))}
          error={Boolean(errors[`${at}.label`])} helperText={errors[`${at}.label`]} sx={{ width: 180 }}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        {i > 0 && form.order !== 'any' ? (
          <DurationField
            label="Within (optional)" value={s.windowValue} unit={s.windowUnit} error={errors[`${at}.window`]} placeholder="funnel window"
            onChange={(v, u) => set(updateStep(form, i, { windowValue: v, windowUnit: u }))} width={132}
          />
        ) : null}
        <Box sx={{ flex: 1 }} />
        <Button
          startIcon={<FilterListIcon />} sx={{ mt: 0.5 }} disabled={s.filters.length >= 10}
          onClick={() => setFilters([...s.filters, { property: 'device', op: 'eq', values: '' }])}
        >
          Filter
        </Button>
        <Tooltip title="Move up" describeChild><span><IconButton size="small" sx={{ mt: 0.5 }} disabled={i === 0} onClick={() => set(moveStep(form, i, -1))} aria-label="move step up"><ArrowUpIcon fontSize="small" /></IconButton></span></Tooltip>
        <Tooltip title="Move down" describeChild><span><IconButton size="small" sx={{ mt: 0.5 }} disabled={i === form.steps.length - 1} onClick={() => set(moveStep(form, i, 1))} aria-label="move step down"><ArrowDownIcon fontSize="small" /></IconButton></span></Tooltip>
        <Tooltip title="Remove step" describeChild><span><IconButton size="small" sx={{ mt: 0.5 }} disabled={form.steps.length <= MIN_STEPS} onClick={() => set(removeStep(form, i))} aria-label="remove step"><DeleteIcon fontSize="small" /></IconButton></span></Tooltip>
      </Box>
      {s.filters.map((f, j) => {
        const err = errors[`${at}.filters.${j}`];
        const setF = (patch: Partial<FilterForm>) => setFilters(s.filters.map((x, k) => (k === j ? { ...x, ...patch } : x)));
        return (
          <Box key={j} sx={{ display: 'flex', gap: 1, alignItems: 'flex-start', pl: 4.25 }}>
            <Typography variant="body2" color="text.secondary" sx={{ mt: 1, width: 36 }}>{j === 0 ? 'where' : 'and'}</Typography>
            <TextField select value={f.property} onChange={(e) => setF({ property: e.target.value as FilterForm['property'] })} sx={{ width: 150 }} slotProps={{ select: { SelectDisplayProps: { 'aria-label': 'property' } as React.HTMLAttributes<HTMLDivElement> } }}>
              {FILTER_PROPERTY_OPTIONS.map((p) => <MenuItem key={p} value={p}>{p}</MenuItem>)}
            </TextField>
            <TextField select value={f.op} onChange={(e) => setF({ op: e.target.value as FilterForm['op'] })} sx={{ width: 72 }} slotProps={{ select: { SelectDisplayProps: { 'aria-label': 'operator' } as React.HTMLAttributes<HTMLDivElement> } }}>
              {FILTER_OP_OPTIONS.map((o) => <MenuItem key={o.value} value={o.value}>{o.label}</MenuItem>)}
            </TextField>
            <TextField
              value={f.values} onChange={(e) => setF({ values: e.target.value })} placeholder={f.op === 'in' ? 'value, value, …' : 'value'}
              error={Boolean(err)} helperText={err} sx={{ width: 260 }} slotProps={{ htmlInput: { 'aria-label': 'values' } }}
            />
            <IconButton size="small" sx={{ mt: 0.5 }} aria-label="remove filter" onClick={() => setFilters(s.filters.filter((_, k) => k !== j))}><CloseIcon fontSize="small" /></IconButton>
          </Box>
        );
      })}
    </Box>
  );
}

const TREND_CHOICES: { value: TrendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto' }, { value: 'hour', label: 'Hourly' }, { value: 'day', label: 'Daily' }, { value: 'none', label: 'Off' },
];

let grouped: [string, string[]][] | null = null;
/** Event types grouped by their prefix ("checkout", "order", ...), for the select. */
function groupedEventTypes(): [string, string[]][] {
  if (grouped) return grouped;
  const m = new Map<string, string[]>();
  for (const t of EVENT_TYPES) {
    const g = t.split('.')[0]!;
    m.set(g, [...(m.get(g) ?? []), t]);
  }
  grouped = [...m.entries()];
  return grouped;
}

function SaveAsDialog(props: {
  open: boolean; initialName: string; initialScheduled: boolean; funnels: FunnelDefinition[];
  onClose: () => void; onSave: (name: string, scheduled: boolean) => Promise<void>;
}) {
  const [name, setName] = useState(props.initialName);
  const [scheduled, setScheduled] = useState(props.initialScheduled);
  const [touched, setTouched] = useState(false);
  const [saving, setSaving] = useState(false);
  const err = validateName(name, props.funnels, null);
  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      slotProps={{ transition: { onEnter: () => { setName(props.initialName); setScheduled(props.initialScheduled); setTouched(false); } } }}
      maxWidth="xs"
      fullWidth
    >
      <DialogTitle>Save funnel as</DialogTitle>
      <DialogContent sx={{ display: 'grid', gap: 1, pt: '8px !important' }}>
        <TextField
          autoFocus label="Name" value={name} onChange={(e) => { setName(e.target.value); setTouched(true); }}
          error={touched && Boolean(err)} helperText={touched ? err : ' '}
          slotProps={{ htmlInput: { 'data-testid': 'funnel-save-name' } }}
        />
        <FormControlLabel control={<Checkbox checked={scheduled} onChange={(e) => setScheduled(e.target.checked)} />} label="Include in the hourly scheduled report" />
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          variant="contained" disabled={saving}
          onClick={async () => {
            setTouched(true);
            if (err) return;
            setSaving(true);
            try {
              await props.onSave(name.trim(), scheduled);
            } finally {
              setSaving(false);
            }
          }}
          data-testid="funnel-save-confirm"
        >
          Save
        </Button>
      </DialogActions>
    </Dialog>
  );
}
