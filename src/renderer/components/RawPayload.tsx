import Box from '@mui/material/Box';
import { prettyRaw } from '../format.ts';
import { monoFont } from '../theme.ts';

/** Raw input as received: monospace, pretty-printed when it is JSON. */
export function RawPayload(props: { raw: string; maxHeight?: number }) {
  const { text } = prettyRaw(props.raw);
  return (
    <Box
      component="pre"
      data-testid="raw-payload"
      sx={{
        m: 0, p: 1.5, bgcolor: '#0f172a', color: '#e2e8f0', borderRadius: 1, fontFamily: monoFont, fontSize: 12,
        lineHeight: 1.5, overflow: 'auto', maxHeight: props.maxHeight ?? 480, whiteSpace: 'pre-wrap', wordBreak: 'break-all',
      }}
    >
      {text}
    </Box>
  );
}
