/** A run's summary: KPIs, the alert state, counts and totals per status, gateway and currency, fees, control totals, inputs. */
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Chip from '@mui/material/Chip';
import Paper from '@mui/material/Paper';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ReconRunDetail } from '../../../main/common/api-reconciliation.ts';
import type { ReconStatus } from '../../../analytics/reconcile/types.ts';
import { KpiCard } from '../KpiCard.tsx';
import { formatDateTime, formatInt } from '../../format.ts';
import { money, moneyList, shortSha, STATUS_LABEL, statusColor } from '../../pages/reconFormat.ts';

export function RunSummary(props: { run: ReconRunDetail; timezone: string; onStatus: (s: ReconStatus) => void; onDownload: (f: 'csv' | 'xlsx') => void; busy: boolean }) {
  const { run, timezone } = props;
  const s = run.summary;
  if (run.status === 'error') return <Alert severity="error" data-testid="recon-run-error">Run #{run.id} of {run.date} failed: {run.error}</Alert>;
  if (!s) return <Alert severity="info">Run #{run.id} is {run.status}…</Alert>;
  const t = s.openDiscrepancy;
  return (
    <Box data-testid="recon-summary">
      <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', mb: 1.5, flexWrap: 'wrap' }}>
        <Typography variant="h6" sx={{ flex: 1 }}>
          {run.date} · run #{run.id}{' '}
          <Typography component="span" variant="body2" color="text.secondary">
            {run.trigger} by {run.actor}, {formatDateTime(run.finishedAt ?? run.startedAt, timezone)} · {run.rulesVersion}
          </Typography>
        </Typography>
        <Button variant="outlined" onClick={() => props.onDownload('csv')} disabled={props.busy} data-testid="recon-download-csv">Download CSV</Button>
        <Button variant="outlined" onClick={() => props.onDownload('xlsx')} disabled={props.busy} data-testid="recon-download-xlsx">Download XLSX</Button>
      </Box>
      {s.alert ? (
        <Alert severity="warning" sx={{ mb: 1.5 }} data-testid="recon-alert-state">
          Open discrepancy {money(t.minor, t.currency)} is above the {money(s.threshold.minor, s.threshold.currency)} threshold — the alert was raised.
        </Alert>
      ) : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(170px, 1fr))', gap: 1.5, mb: 2 }}>
        <KpiCard label="Items" value={formatInt(s.items)} testid="recon-kpi-items" footer={`${formatInt(s.pending)} pending settlement`} />
        <KpiCard label="Open exceptions" value={formatInt(s.openExceptions)} testid="recon-kpi-open" footer={`${formatInt(s.exceptions)} exceptions, ${formatInt(s.exceptions - s.openExceptions)} resolved`} />
        <KpiCard label="Open discrepancy" value={money(t.minor, t.currency)} testid="recon-kpi-discrepancy" title="Σ|discrepancy| of the open exceptions, converted at the stated rates"
          footer={<>threshold {money(s.threshold.minor, s.threshold.currency)} {s.alert ? <Chip color="warning" label="ALERT" sx={{ ml: 0.5 }} /> : <Chip color="success" label="OK" sx={{ ml: 0.5 }} />}</>} />
        <KpiCard label="Total discrepancy" value={money(s.totalDiscrepancy.minor, s.totalDiscrepancy.currency)} testid="recon-kpi-total"
          footer={s.totalDiscrepancy.byCurrency.filter((b) => b.currency !== t.currency).map((b) => `1 ${b.currency} = ${b.rate ?? 'no rate'} ${t.currency}`).join(' · ') || 'one currency'} />
      </Box>
      {s.warnings.length > 0 ? (
        <Alert severity="info" sx={{ mb: 2 }} data-testid="recon-warnings">
          {s.warnings.slice(0, 6).map((w, i) => <div key={i}>{w}</div>)}
          {s.warnings.length > 6 ? <div>… {s.warnings.length - 6} more</div> : null}
        </Alert>
      ) : null}
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1.2fr 1fr' }, gap: 2, mb: 2 }}>
        <Section title="By status">
          <Table data-testid="recon-by-status">
            <TableHead><TableRow><TableCell>Status</TableCell><TableCell align="right">Count</TableCell><TableCell align="right">Exceptions</TableCell><TableCell align="right">Captured</TableCell><TableCell align="right">Settled</TableCell><TableCell align="right">Discrepancy</TableCell></TableRow></TableHead>
            <TableBody>
              {s.byStatus.filter((r) => r.count > 0).map((r) => (
                <TableRow key={r.status} hover sx={{ cursor: 'pointer' }} onClick={() => props.onStatus(r.status)}>
                  <TableCell><Chip label={STATUS_LABEL[r.status]} color={statusColor(r.status, r.exceptions > 0 ? 'exception' : r.pending > 0 ? 'pending' : 'none')} variant="outlined" /></TableCell>
                  <TableCell align="right">{formatInt(r.count)}</TableCell>
                  <TableCell align="right">{r.pending ? `${formatInt(r.exceptions)} (+${formatInt(r.pending)} pending)` : formatInt(r.exceptions)}</TableCell>
                  <TableCell align="right">{moneyList(r.captured)}</TableCell>
                  <TableCell align="right">{moneyList(r.settled)}</TableCell>
                  <TableCell align="right">{moneyList(r.discrepancy)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
        <Section title="By gateway">
          <Table data-testid="recon-by-gateway">
            <TableHead><TableRow><TableCell>Gateway</TableCell><TableCell align="right">Items</TableCell><TableCell align="right">Exceptions</TableCell><TableCell align="right">Settled</TableCell><TableCell align="right">Fees</TableCell></TableRow></TableHead>
            <TableBody>
              {s.byGateway.map((g) => (
                <TableRow key={g.gateway}>
                  <TableCell>{g.gateway}</TableCell>
                  <TableCell align="right">{formatInt(g.count)}</TableCell>
                  <TableCell align="right">{formatInt(g.exceptions)}</TableCell>
                  <TableCell align="right">{moneyList(g.settled)}</TableCell>
                  <TableCell align="right">{moneyList(g.fees)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
      </Box>
      <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2, mb: 2 }}>
        <Section title="By currency (never added across currencies)">
          <Table data-testid="recon-by-currency">
            <TableHead><TableRow><TableCell>Currency</TableCell><TableCell align="right">Items</TableCell><TableCell align="right">Captured</TableCell><TableCell align="right">Settled</TableCell><TableCell align="right">Discrepancy</TableCell><TableCell align="right">Fees</TableCell></TableRow></TableHead>
            <TableBody>
              {s.byCurrency.map((c) => (
                <TableRow key={c.currency}>
                  <TableCell>{c.currency}</TableCell>
                  <TableCell align="right">{formatInt(c.count)}</TableCell>
                  <TableCell align="right">{money(c.captured, c.currency)}</TableCell>
                  <TableCell align="right">{money(c.settled, c.currency)}</TableCell>
                  <TableCell align="right">{money(c.discrepancy, c.currency)}</TableCell>
                  <TableCell align="right">{money(c.fees, c.currency)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Section>
        <Section title="Inputs">
          <Table data-testid="recon-inputs">
            <TableHead><TableRow><TableCell>Kind</TableCell><TableCell>Gateway</TableCell><TableCell>Date</TableCell><TableCell align="right">Rows</TableCell><TableCell align="right">Errors</TableCell><TableCell>SHA-256</TableCell></TableRow></TableHead>
            <TableBody>
              {run.inputs.filter((i) => i.date === run.date || i.errors > 0).map((i, k) => (
                <TableRow key={k} title={`${i.origin} ${i.name}${i.note ? ` — ${i.note}` : ''}`}>
                  <TableCell>{i.kind}{i.adapter ? <Typography component="span" variant="caption" color="text.secondary"> · {i.adapter}</Typography> : null}</TableCell>
                  <TableCell>{i.gateway ?? '—'}</TableCell>
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{i.date}</TableCell>
                  <TableCell align="right">{formatInt(i.rows)}</TableCell>
                  <TableCell align="right" sx={{ color: i.errors ? 'warning.dark' : undefined }}>{formatInt(i.errors)}</TableCell>
                  <TableCell><code>{i.sha256 ? shortSha(i.sha256) : i.note ?? '—'}</code></TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          <Typography variant="caption" color="text.secondary" component="div" sx={{ p: 1 }}>
            Window {String((run.params.window as string[] | undefined)?.[0] ?? '')} … {run.date}; {run.inputs.length} inputs in all. Report SHA-256 <code>{shortSha(run.reportSha256)}</code>
            {run.quarantined ? ` · ${run.quarantined} row(s) in quarantine` : ''}
          </Typography>
        </Section>
      </Box>
      {s.fees.length > 0 || s.controlTotals.length > 0 ? (
        <Box sx={{ display: 'grid', gridTemplateColumns: { xs: '1fr', lg: '1fr 1fr' }, gap: 2, mb: 2 }}>
          <Section title="Fees (recorded, never a discrepancy)">
            <Table data-testid="recon-fees">
              <TableHead><TableRow><TableCell>Gateway</TableCell><TableCell>Currency</TableCell><TableCell align="right">Rows</TableCell><TableCell align="right">Fees</TableCell></TableRow></TableHead>
              <TableBody>{s.fees.map((f) => <TableRow key={`${f.gateway}-${f.currency}`}><TableCell>{f.gateway}</TableCell><TableCell>{f.currency}</TableCell><TableCell align="right">{formatInt(f.rows)}</TableCell><TableCell align="right">{money(f.minor, f.currency)}</TableCell></TableRow>)}</TableBody>
            </Table>
          </Section>
          <Section title="Control totals (payout total vs the rows)">
            <Table data-testid="recon-controls">
              <TableHead><TableRow><TableCell>Gateway</TableCell><TableCell>Currency</TableCell><TableCell align="right">Payout total</TableCell><TableCell align="right">Sum of rows</TableCell><TableCell /></TableRow></TableHead>
              <TableBody>{s.controlTotals.map((c) => (
                <TableRow key={`${c.gateway}-${c.currency}`}>
                  <TableCell>{c.gateway}</TableCell><TableCell>{c.currency}</TableCell><TableCell align="right">{money(c.reported, c.currency)}</TableCell><TableCell align="right">{money(c.computed, c.currency)}</TableCell>
                  <TableCell>{c.ok ? <Chip color="success" label="agrees" variant="outlined" /> : <Chip color="error" label="differs" />}</TableCell>
                </TableRow>
              ))}</TableBody>
            </Table>
          </Section>
        </Box>
      ) : null}
    </Box>
  );
}

function Section(props: { title: string; children: React.ReactNode }) {
  return (
    <Paper variant="outlined" sx={{ overflow: 'auto' }}>
      <Typography variant="subtitle2" sx={{ px: 1.5, pt: 1.25, pb: 0.5 }}>{props.title}</Typography>
      {props.children}
    </Paper>
  );
}
