/** Import a local NDJSON / JSON / CSV file: its text goes to import.upload; shows the ImportResult. */
import { useRef, useState } from 'react';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import LinearProgress from '@mui/material/LinearProgress';
import Table from '@mui/material/Table';
import TableBody from '@mui/material/TableBody';
import TableCell from '@mui/material/TableCell';
import TableHead from '@mui/material/TableHead';
import TableRow from '@mui/material/TableRow';
import Typography from '@mui/material/Typography';
import type { ImportResult } from '../../main/common/types.ts';
import { useApi, errorMessage } from '../api/ApiContext.tsx';
import { PageHeader } from '../components/PageHeader.tsx';
import { formatBytes, formatInt } from '../format.ts';

/** import.upload accepts up to 64 MiB of text. */
export const MAX_UPLOAD_CHARS = 64 * 1024 * 1024;
const ACCEPT = '.ndjson,.jsonl,.json,.csv,application/json,application/x-ndjson,text/csv';
const MAX_ERRORS_SHOWN = 50;

export function ImportPage(props: { onOpenQuarantine: () => void }) {
  const api = useApi();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);

  async function upload() {
    if (!file) return;
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const text = await file.text();
      if (text.length > MAX_UPLOAD_CHARS) throw new Error(`The file is larger than ${formatBytes(MAX_UPLOAD_CHARS)}; use the CLI to import it.`);
      setResult(await api.call('import.upload', { name: file.name, text }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box sx={{ maxWidth: 1000 }}>
      <PageHeader title="Import" subtitle="Load events from a file: NDJSON (one CloudEvent per line), a JSON array, or CSV. Rows already stored are skipped by event id." />
      <Card sx={{ mb: 2 }}>
        <CardContent sx={{ display: 'flex', gap: 2, alignItems: 'center', flexWrap: 'wrap' }}>
          <input
            ref={input}
            type="file"
            accept={ACCEPT}
            hidden
            data-testid="import-file"
            onChange={(e) => {
              setFile(e.target.files?.[0] ?? null);
              setResult(null);
              setError(null);
            }}
          />
          <Button variant="outlined" onClick={() => input.current?.click()} disabled={busy}>Choose file…</Button>
          <Typography variant="body2" sx={{ flex: 1, minWidth: 200 }} color={file ? 'text.primary' : 'text.secondary'} data-testid="import-file-name">
            {file ? <>{file.name} <Box component="span" sx={{ color: 'text.secondary' }}>({formatBytes(file.size)})</Box></> : 'No file chosen'}
          </Typography>
          <Button variant="contained" onClick={upload} disabled={!file || busy} data-testid="import-upload">
            {busy ? 'Importing…' : 'Import'}
          </Button>
        </CardContent>
        {busy ? <LinearProgress /> : null}
      </Card>
      {error ? <Alert severity="error" sx={{ mb: 2 }} data-testid="import-error">{error}</Alert> : null}
      {result ? <ResultView r={result} onOpenQuarantine={props.onOpenQuarantine} /> : null}
    </Box>
  );
}

function ResultView(props: { r: ImportResult; onOpenQuarantine: () => void }) {
  const { r } = props;
  return (
    <Card data-testid="import-result">
      <CardContent>
        <Typography variant="subtitle2" sx={{ mb: 1.5 }}>
          {r.file} <Box component="span" sx={{ color: 'text.secondary', fontWeight: 400 }}>· {r.format.toUpperCase()}</Box>
        </Typography>
        <Box sx={{ display: 'grid', gridTemplateColumns: 'repeat(4, minmax(100px, 1fr))', gap: 2, mb: 2 }}>
          <Count label="Rows" value={r.rows} testid="import-rows" />
          <Count label="Inserted" value={r.inserted} testid="import-inserted" color="success.main" />
          <Count label="Duplicates" value={r.duplicates} testid="import-duplicates" />
          <Count label="Quarantined" value={r.quarantined} testid="import-quarantined" color={r.quarantined > 0 ? 'warning.dark' : undefined} />
        </Box>
        {r.errors.length > 0 ? (
          <>
            <Box sx={{ display: 'flex', alignItems: 'center', mb: 0.5 }}>
              <Typography variant="subtitle2" sx={{ flex: 1 }}>
                First errors{r.errors.length > MAX_ERRORS_SHOWN ? ` (${MAX_ERRORS_SHOWN} of ${formatInt(r.errors.length)})` : ''}
              </Typography>
              <Button onClick={props.onOpenQuarantine}>Open quarantine</Button>
            </Box>
            <Table data-testid="import-errors">
              <TableHead>
                <TableRow><TableCell>Row</TableCell><TableCell>Field</TableCell><TableCell>Reason</TableCell></TableRow>
              </TableHead>
              <TableBody>
                {r.errors.slice(0, MAX_ERRORS_SHOWN).map((e, i) => (
                  <TableRow key={i}>
                    <TableCell>{formatInt(e.row)}</TableCell>
                    <TableCell><code>{e.field}</code></TableCell>
                    <TableCell>{e.reason}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </>
        ) : r.quarantined > 0 ? (
          <Alert severity="warning" action={<Button color="inherit" onClick={props.onOpenQuarantine}>Open quarantine</Button>}>
            {formatInt(r.quarantined)} row{r.quarantined === 1 ? '' : 's'} quarantined.
          </Alert>
        ) : (
          <Alert severity="success">Every row was valid.</Alert>
        )}
      </CardContent>
    </Card>
  );
}

function Count(props: { label: string; value: number; testid: string; color?: string }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary" component="div">{props.label}</Typography>
      <Typography variant="h6" sx={{ color: props.color }} data-testid={props.testid}>{formatInt(props.value)}</Typography>
    </Box>
  );
}
