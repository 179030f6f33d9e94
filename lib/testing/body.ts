import type { IncomingMessage } from 'node:http';

/** Largest request body the emulator reads; DingTalk's own bodies are a few hundred bytes. */
export const maxRequestBodyBytes = 64 * 1024;

/** A request body, or why it could not be read. */
export type BodyResult = { ok: true; text: string } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body as UTF-8, never holding more than `maxRequestBodyBytes`. Past the bound it
 * stops collecting and lets Node discard the rest once the 413 answer is sent.
 */
export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve) => {
    if (Number(req.headers['content-length']) > maxRequestBodyBytes) {
      resolve({ ok: false, reason: 'too-large' });
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxRequestBodyBytes) {
        req.off('data', onData);
        chunks.length = 0;
        resolve({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    req.on('aborted', () => resolve({ ok: false, reason: 'aborted' }));
    req.on('error', () => resolve({ ok: false, reason: 'aborted' }));
  });
}

/** The media type of a request, lower-case and without parameters (`application/json`). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
