#!/usr/bin/env node
// `npm run bench:review`: the access review against the sqlite3 shell on 1,000,000 vs 990,000 accounts.
// The benchmark lives in scripts/src/review/benchmark (typed, tested); this file runs the compiled version.
const { main } = require('../dist/review/benchmark/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 2;
  }
);
