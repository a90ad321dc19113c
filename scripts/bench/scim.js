#!/usr/bin/env node
/**
 * `npm run bench:scim`: load-tests the local SCIM target (scripts/src/scim/server.ts) on loopback with autocannon.
 * The target runs in a child process with a data file (journal writes included), the load generator in this one,
 * so they do not share an event loop. Prints req/s and latency percentiles for GET /Users/{id} and POST /Users, and
 * compares them with the goals of issue 8 (GET >= 2000 req/s, POST >= 500 req/s, p99 < 50 ms); exits 1 on a miss.
 *
 * Options (environment): BENCH_DURATION seconds per scenario (default 10), BENCH_CONNECTIONS (default 10).
 */
const { fork } = require('node:child_process');
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir, cpus } = require('node:os');
const { join } = require('node:path');
const autocannon = require('autocannon');

const TOKEN = 'bench-token-0123456789';
const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const GOALS = { get: { rps: 2000, p99: 50 }, post: { rps: 500, p99: 50 } };

/** The target process. */
function child() {
  const { startScimTarget } = require('../dist/scim/server.js');
  startScimTarget({ token: TOKEN, dataFile: process.argv[3], recordLimit: 1000 }).then((target) => {
    process.send({ url: target.url });
    process.on('message', (message) => {
      if (message === 'stop') void target.close().then(() => process.exit(0));
    });
  });
}

function run(options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ connections, duration, pipelining: 1, ...options }, (error, result) =>
      error ? reject(error) : resolve(result)
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

function summary(name, result, goal) {
  const rps = result.requests.average;
  const p99 = result.latency.p99;
  const errors = result.errors + result.timeouts + result.non2xx;
  const ok = rps >= goal.rps && p99 < goal.p99 && errors === 0;
  console.log(
    `${name.padEnd(18)} ${rps.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(3)} ms   ` +
      `p99 ${String(p99).padStart(3)} ms   errors ${errors}   (goal >= ${goal.rps} req/s, p99 < ${goal.p99} ms) ` +
      (ok ? 'OK' : 'MISSED')
  );
  return ok;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'scim-bench-'));
  const child = fork(__filename, ['--child', join(dir, 'data.json')], { stdio: 'inherit' });
  const { url } = await new Promise((resolve) => child.once('message', resolve));
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' };
  try {
    const seed = await fetch(`${url}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        userName: 'seed@example.com',
        name: { givenName: 'Seed', familyName: 'User' },
        active: true
      })
    });
    const { id } = await seed.json();
    console.log(
      `Local SCIM target ${url}; ${connections} connections, ${duration}s per scenario, ${cpus().length} CPUs.`
    );
    const get = await run({ url: `${url}/Users/${id}`, headers });
    let n = 0;
    const post = await run({
      url: `${url}/Users`,
      method: 'POST',
      headers,
      requests: [
        {
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({
              userName: `bench-${process.pid}-${n++}@example.com`,
              name: { givenName: 'Bench', familyName: String(n) },
              emails: [{ value: `bench-${n}@example.com`, type: 'work', primary: true }],
              active: true
            })
          })
        }
      ]
    });
    const okGet = summary('GET /Users/{id}', get, GOALS.get);
    const okPost = summary('POST /Users', post, GOALS.post);
    process.exitCode = okGet && okPost ? 0 : 1;
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child();
} else {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
