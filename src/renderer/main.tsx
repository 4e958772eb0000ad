import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import CssBaseline from '@mui/material/CssBaseline';
import { ThemeProvider } from '@mui/material/styles';
import { startApiClient } from './api/index.ts';
import { ApiProvider } from './api/ApiContext.tsx';
import { AppDataProvider } from './state/AppData.tsx';
import { App } from './App.tsx';
import { theme } from './theme.ts';

const { client, mode, missingToken } = startApiClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ThemeProvider theme={theme}>
      <CssBaseline />
      <ApiProvider client={client} mode={mode}>
        <AppDataProvider>
          <App missingToken={missingToken} />
        </AppDataProvider>
      </ApiProvider>
    </ThemeProvider>
  </StrictMode>,
);
