/**
 * Child process for the kill-and-resume test: syncs `url` into `db` and exits.
 * argv: dbFile url token pageSize
 */
import { openDatabase } from '../../../../src/main/node/db/index.ts';
import { createSyncEngine } from '../../../../src/main/node/sync/index.ts';

const [dbFile, url, token, pageSize] = process.argv.slice(2);
const { db, close } = openDatabase(dbFile!);
const engine = createSyncEngine({ db, platformUrl: url!, token: token!, pageSize: Number(pageSize), workers: 1, retry: { retries: 3, baseMs: 20, maxMs: 200 } });
const s = await engine.run();
close();
process.stdout.write(JSON.stringify(s) + '\n');
process.exit(s.state === 'done' ? 0 : 1);
