#!/usr/bin/env node
// Entry point of the provisio CLI. The TypeScript sources are compiled to scripts/dist by `npm run build`.
const { main } = require('../dist/cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 4;
  }
);
