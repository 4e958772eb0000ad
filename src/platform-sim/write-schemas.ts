/** Writes resources/schemas/*.json from schemas.ts: node src/platform-sim/write-schemas.ts */
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildSchemas } from './schemas.ts';

const dir = new URL('../../resources/schemas/', import.meta.url);
mkdirSync(dir, { recursive: true });
const schemas = buildSchemas();
for (const [name, schema] of Object.entries(schemas)) writeFileSync(new URL(name, dir), JSON.stringify(schema, null, 2) + '\n');
process.stdout.write(`wrote ${Object.keys(schemas).length} schemas to ${dir.pathname}\n`);
