import type { ReactNode } from 'react';
import Card from '@mui/material/Card';
import CardContent from '@mui/material/CardContent';
import Typography from '@mui/material/Typography';

export function KpiCard(props: { label: string; value: ReactNode; testid: string; footer?: ReactNode; title?: string }) {
  return (
    <Card sx={{ height: '100%' }}>
      <CardContent sx={{ py: 1.5, '&:last-child': { pb: 1.5 } }}>
        <Typography variant="overline" color="text.secondary" component="div">{props.label}</Typography>
        <Typography
          variant="h5"
          component="div"
          data-testid={props.testid}
          title={props.title}
          sx={{ fontWeight: 650, fontSize: '1.55rem', lineHeight: 1.25, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }}
        >
          {props.value}
        </Typography>
        {props.footer ? <Typography variant="caption" color="text.secondary" component="div" sx={{ mt: 0.5 }}>{props.footer}</Typography> : null}
      </CardContent>
    </Card>
  );
}
