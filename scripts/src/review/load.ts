import { existsSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExitCode, ExitCodeValue, ProvisioError } from '../cli/errors';
import { Profile } from './profiles';
import {
  Feeder,
  Format,
  Schema,
  csvFeeder,
  detectFormat,
  encodingFront,
  feedFile,
  jsonDocumentFeeder,
  jsonLinesFeeder,
  builderFor,
  withInput
} from './reader';
import { KeyOptions, PackedTable, TableBuilder, transferList } from './table';

/** One side of a review read from a file. Plain data, so it can be handed to a worker thread. */
export interface FileSide {
  label: string;
  path: string;
  format?: Format;
  profile: Profile;
  schema: Schema;
  keyOptions: KeyOptions;
  delimiter?: number;
}

/** Creates the feeder for a format, wrapped in BOM / UTF-16 handling. */
export function feederFor(
  format: Format,
  builder: TableBuilder,
  side: Pick<FileSide, 'label' | 'profile' | 'schema' | 'delimiter'>,
  firstLine = 1
): Feeder {
  const note = (text: string): void => builder.warn(`${side.label}: ${text}`);
  const inner =
    format === 'csv'
      ? csvFeeder(builder, side.profile, side.schema, { delimiter: side.delimiter, label: side.label, firstLine })
      : format === 'jsonl'
        ? jsonLinesFeeder(builder, side.profile, side.schema, side.label, firstLine)
        : jsonDocumentFeeder(builder, side.profile, side.schema, side.label);
  return encodingFront(inner, note);
}

function head(path: string): Uint8Array {
  return withInput(path, (fd) => {
    const bytes = Buffer.alloc(64 * 1024);
    return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
  });
}

/** Reads one side from a file into a packed table, in this thread. */
export function loadFile(side: FileSide, onProgress?: (read: number, total: number) => void): PackedTable {
  const format = side.format ?? detectFormat(side.path, head(side.path));
  const builder = builderFor(side.schema, side.keyOptions);
  let reserved = false;
  feedFile(side.path, feederFor(format, builder, side), (read, total) => {
    // After the first chunk, size the table for the whole file: no repeated doubling and copying.
    if (!reserved && builder.rowCount > 0) {
      reserved = true;
      builder.reserve(total / read);
    }
    onProgress?.(read, total);
  });
  return builder.finish();
}

type WorkerMessage =
  | { type: 'progress'; read: number; total: number }
  | { type: 'done'; table: PackedTable }
  | { type: 'error'; name: string; message: string; exitCode: ExitCodeValue; actions: string[] };

/**
 * The compiled worker script: next to this file in scripts/dist, or (under ts-jest, running from scripts/src) the
 * built copy in scripts/dist when there is one.
 */
export function workerScript(): string | undefined {
  for (const script of [join(__dirname, 'worker.js'), join(__dirname, '..', '..', 'dist', 'review', 'worker.js')]) {
    if (existsSync(script)) return script;
  }
  return undefined;
}

/** Reads one side in a worker thread (falls back to this thread when the compiled worker is not there). */
export function loadFileThreaded(
  side: FileSide,
  onProgress?: (read: number, total: number) => void
): Promise<PackedTable> {
  const script = workerScript();
  if (!script) return Promise.resolve().then(() => loadFile(side, onProgress));
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: side });
    let settled = false;
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.read, message.total);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.table);
      } else {
        settled = true;
        reject(
          new ProvisioError(message.name, message.message, { exitCode: message.exitCode, actions: message.actions })
        );
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) {
        reject(new ProvisioError('WorkerFailed', `Reading ${side.path} stopped (worker exit code ${code}).`));
      }
    });
  });
}

/** Worker side: read, then transfer the table's buffers (no copy). */
export function runWorker(side: FileSide, post: (message: WorkerMessage, transfer?: ArrayBuffer[]) => void): void {
  try {
    let last = 0;
    const table = loadFile(side, (read, total) => {
      if (read - last >= 32 * 1024 * 1024 || read === total) {
        last = read;
        post({ type: 'progress', read, total });
      }
    });
    post({ type: 'done', table }, transferList(table));
  } catch (error) {
    const known = error instanceof ProvisioError ? error : undefined;
    post({
      type: 'error',
      name: known?.name ?? 'ReadFailed',
      message: error instanceof Error ? error.message : String(error),
      exitCode: known?.exitCode ?? ExitCode.FAILED,
      actions: known?.actions ?? []
    });
  }
}
