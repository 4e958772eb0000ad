#!/usr/bin/env node
// The `marketlens` command line: headless and cron use of the same services as the app.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`marketlens needs Node >= 22.18 (this is ${process.version}).`);
  process.exit(1);
}
const { run } = await import('../src/main/node/cli/main.ts');
process.exitCode = await run(process.argv.slice(2));
