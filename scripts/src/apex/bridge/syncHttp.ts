/**
 * Synchronous HTTP for the Apex runtime. The interpreter is synchronous (Http.send returns its answer), Node's HTTP is
 * not: a worker thread makes the request while the calling thread waits on a shared flag (Atomics.wait), then takes
 * the answer with receiveMessageOnPort. The calling thread's event loop is blocked meanwhile, so the server called
 * must not run on it (run it in a child process). Every request has a hard deadline: the worker aborts at the
 * request's timeout, and the caller stops waiting a little after that even if the worker never answers.
 */
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

export interface SyncHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  /** Bytes of body read at most; a longer answer is reported as `tooLarge` (the rest is not read). */
  maxBodyBytes: number;
}

export type SyncHttpResult =
  | { kind: 'response'; status: number; statusText: string; headers: Array<[string, string]>; body: string }
  | { kind: 'timeout' }
  | { kind: 'tooLarge'; bytes: number }
  | { kind: 'error'; code: string; message: string };

// The worker's code, kept self-contained (node:http only) so it runs from compiled and ts-jest builds alike.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const https = require('node:https');
const { port, signal } = workerData;
const flag = new Int32Array(signal);
function answer(result) {
  port.postMessage(result);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
port.on('message', (req) => {
  let done = false;
  const finish = (result) => { if (!done) { done = true; clearTimeout(timer); answer(result); } };
  let url;
  try { url = new URL(req.url); } catch (e) { finish({ kind: 'error', code: 'EINVALIDURL', message: String(e.message) }); return; }
  const lib = url.protocol === 'https:' ? https : http;
  const headers = Object.assign({}, req.headers);
  if (req.body !== null) headers['content-length'] = String(Buffer.byteLength(req.body));
  const r = lib.request(url, { method: req.method, headers, agent: false }, (res) => {
    const chunks = [];
    let size = 0;
    res.on('data', (c) => {
      size += c.length;
      if (size > req.maxBodyBytes) { finish({ kind: 'tooLarge', bytes: size }); res.destroy(); return; }
      chunks.push(c);
    });
    res.on('end', () => finish({
      kind: 'response',
      status: res.statusCode || 0,
      statusText: res.statusMessage || '',
      headers: Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      body: Buffer.concat(chunks).toString('utf8')
    }));
    res.on('error', (e) => finish({ kind: 'error', code: e.code || 'ERESPONSE', message: String(e.message) }));
  });
  const timer = setTimeout(() => { finish({ kind: 'timeout' }); r.destroy(); }, req.timeoutMs);
  r.on('error', (e) => finish({ kind: 'error', code: e.code || 'EREQUEST', message: String(e.message) }));
  if (req.body !== null) r.write(req.body);
  r.end();
});
`;

/** Margin the caller waits beyond the request's own timeout before it gives up on the worker. */
const WORKER_GRACE_MS = 2000;

export class SyncHttpClient {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private flag: Int32Array | undefined;

  private start(): void {
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.flag = new Int32Array(signal);
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, signal },
      transferList: [port2]
    });
    this.worker.unref();
    port1.unref();
  }

  /** Sends one request and blocks until its answer, its timeout or a transport error. */
  send(request: SyncHttpRequest): SyncHttpResult {
    if (!this.worker) this.start();
    const flag = this.flag!;
    Atomics.store(flag, 0, 0);
    this.port!.postMessage(request);
    const waited = Atomics.wait(flag, 0, 0, request.timeoutMs + WORKER_GRACE_MS);
    const message = receiveMessageOnPort(this.port!);
    if (message) return message.message as SyncHttpResult;
    if (waited === 'timed-out') {
      // The worker is stuck: replace it so a late answer cannot be taken for the next request's.
      this.close();
      return { kind: 'timeout' };
    }
    return { kind: 'error', code: 'ENOANSWER', message: 'the HTTP worker gave no answer' };
  }

  /** Stops the worker (a later send starts a new one). */
  close(): void {
    const worker = this.worker;
    this.port?.close();
    this.worker = undefined;
    this.port = undefined;
    this.flag = undefined;
    if (worker) void worker.terminate();
  }
}
