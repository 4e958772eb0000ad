import { useState } from 'react';
import Link from '@mui/material/Link';
import Dialog from '@mui/material/Dialog';
import DialogTitle from '@mui/material/DialogTitle';
import DialogContent from '@mui/material/DialogContent';
import DialogActions from '@mui/material/DialogActions';
import Button from '@mui/material/Button';
import Typography from '@mui/material/Typography';
import { runbookHref } from '../state/alerts.ts';
import { useApi } from '../api/ApiContext.tsx';

/**
 * A runbook link: a web address opens in the browser; a built-in runbook ("runbook:<name>", shipped in
 * resources/runbooks) opens in a dialog inside the app.
 */
export function RunbookLink(props: { url: string; label?: string; testid?: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [doc, setDoc] = useState<{ title: string; markdown: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!props.url) return null;
  const href = runbookHref(props.url);
  if (href) {
    return (
      <Link href={href} target="_blank" rel="noopener noreferrer" variant="body2" sx={{ ml: 0.5 }} data-testid={props.testid}>
        {props.label ?? 'Runbook'}
      </Link>
    );
  }
  const name = props.url.replace(/^runbook:/, '');
  const show = () => {
    setOpen(true);
    if (!doc) {
      api.call('runbook.get', { name }).then((r) => setDoc(r), (e: Error) => setError(e.message));
    }
  };
  return (
    <>
      <Link component="button" type="button" variant="body2" sx={{ ml: 0.5, verticalAlign: 'baseline' }} onClick={show} data-testid={props.testid}>
        {props.label ?? 'Runbook'}
      </Link>
      <Dialog open={open} onClose={() => setOpen(false)} maxWidth="md" fullWidth>
        <DialogTitle>{doc?.title ? `Runbook: ${doc.title}` : 'Runbook'}</DialogTitle>
        <DialogContent dividers>
          {error && <Typography color="error">{error}</Typography>}
          <Typography component="pre" data-testid="runbook-text" sx={{ whiteSpace: 'pre-wrap', fontFamily: 'inherit', fontSize: 14, m: 0 }}>
            {doc?.markdown ?? (error ? '' : 'Loading…')}
          </Typography>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Close</Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
