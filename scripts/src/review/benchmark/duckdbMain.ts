// The DuckDB peer's process: `node duckdbMain.js '<options as JSON>'` (see runDuckdb).
import { DuckdbOptions, duckdbChild } from './duckdb';

duckdbChild(JSON.parse(process.argv[2] ?? '{}') as DuckdbOptions).catch((error: unknown) => {
  console.error(`duckdb: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
});
