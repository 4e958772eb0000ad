/**
 * Electron main: the only folder that imports 'electron'. Thin: windows, the app:// protocol, the
 * IPC loop over the shared handler map, native notifications and safeStorage. Everything else is
 * the same Node code web mode and the CLI run.
 *
 * Security checklist: contextIsolation, sandbox, no nodeIntegration, webSecurity, strict CSP on
 * every response of app://, IPC sender validation + argument schemas, no navigation, no new
 * windows (external http(s) links open in the system browser), all permission requests denied
 * except notifications.
 */
import { app, BrowserWindow, ipcMain, net, protocol, shell, session, Notification, type IpcMainInvokeEvent } from 'electron';
import { join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_METHODS } from '../common/api.ts';
import { dispatch } from '../common/dispatch.ts';
import { createServices, type Services } from '../node/services/index.ts';
import { resolveWorkspaceDir, workspaceFiles } from '../node/workspace/paths.ts';
import { CSP } from '../node/web/host.ts';
import { SafeStorageSecretStore } from './secret-store.ts';
import { parseFlags } from '../node/cli/flags.ts';

const APP_ORIGIN = 'app://marketlens';
const rendererDir = join(__dirname, '../renderer');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

let services: Services | null = null;
let win: BrowserWindow | null = null;

function isTrustedSender(e: IpcMainInvokeEvent): boolean {
  const url = e.senderFrame?.url ?? '';
  return e.sender === win?.webContents && url.startsWith(APP_ORIGIN + '/');
}

function registerIpc(s: Services): void {
  if (new Set(API_METHODS).size !== API_METHODS.length) throw new Error('duplicate API method names');
  for (const method of API_METHODS) {
    ipcMain.handle(`api:${method}`, async (e, args: unknown) => {
      if (!isTrustedSender(e)) return { error: { code: 'forbidden', message: 'untrusted sender' } };
      return dispatch(s.handlers, method, args);
    });
  }
  s.push.subscribe((name, payload) => win?.webContents.send(`push:${name}`, payload));
}

async function createWindow(): Promise<void> {
  win = new BrowserWindow({
    width: 1360,
    height: 880,
    title: 'Marketlens',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  await win.loadURL(`${APP_ORIGIN}/index.html`);
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.on('will-navigate', (e) => e.preventDefault());
});

app.whenReady().then(async () => {
  const { flags } = parseFlags(process.argv.slice(app.isPackaged ? 1 : 2).filter((a) => a.startsWith('--')), { boolean: [] });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'notifications'));
  protocol.handle('app', (req) => {
    const { pathname } = new URL(req.url);
    const file = normalize(join(rendererDir, decodeURIComponent(pathname)));
    if (!file.startsWith(normalize(rendererDir) + sep)) return new Response('forbidden', { status: 403 });
    return net.fetch(pathToFileURL(file).toString()).then((r) => {
      const headers = new Headers(r.headers);
      headers.set('Content-Security-Policy', CSP);
      headers.set('X-Content-Type-Options', 'nosniff');
      return new Response(r.body, { status: r.status, headers });
    });
  });
  const workspaceDir = resolveWorkspaceDir(flags.workspace as string | undefined);
  process.env.MARKETLENS_RESOURCES ??= app.isPackaged ? join(process.resourcesPath, 'resources') : join(__dirname, '../../resources');
  services = await createServices({
    workspaceDir,
    mode: 'electron',
    secrets: new SafeStorageSecretStore(workspaceFiles(workspaceDir).secrets),
    notifier: { notify: (n) => new Notification({ title: n.title, body: n.body }).show() },
    workerUrl: join(__dirname, 'worker.js'),
    parseWorkerUrl: join(__dirname, 'ingest-worker.js'),
    demoLauncher: { command: process.execPath, args: [join(__dirname, 'platform.js')], env: { ELECTRON_RUN_AS_NODE: '1' } },
    background: true,
    version: app.getVersion(),
  });
  registerIpc(services);
  await createWindow();
});

app.on('window-all-closed', async () => {
  await services?.close();
  app.quit();
});
