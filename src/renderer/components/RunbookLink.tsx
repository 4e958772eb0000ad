import Link from '@mui/material/Link';
import Typography from '@mui/material/Typography';
import { runbookHref } from '../state/alerts.ts';

/** A link when the runbook is a web address; otherwise its name and a hint to set the base URL. */
export function RunbookLink(props: { url: string; label?: string; testid?: string }) {
  if (!props.url) return null;
  const href = runbookHref(props.url);
  if (href) {
    return (
      <Link href={href} target="_blank" rel="noopener noreferrer" variant="body2" sx={{ ml: 0.5 }} data-testid={props.testid}>
        {props.label ?? 'Runbook'}
      </Link>
    );
  }
  return (
    <Typography component="span" variant="body2" sx={{ ml: 0.5 }} title="Set a runbook base URL in Settings to open runbooks from here" data-testid={props.testid}>
      Runbook <code>{props.url.replace(/^runbook:/, '')}</code>
    </Typography>
  );
}
