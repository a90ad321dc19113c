import { Writable } from 'node:stream';

/** A writable stream that keeps what is written, for capturing a command's stdout/stderr in tests. */
export function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    }
  });
  return { stream, text: () => chunks.join('') };
}
