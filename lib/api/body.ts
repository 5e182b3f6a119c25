// Request bodies: JSON only, at most 1 MiB, read with a cap so an oversize body is refused
// without being buffered whole.
import { AppError } from './errors';

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJsonBody(req: Request, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = req.headers.get('content-length');
  if (declared && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  return parseJsonText(await readCapped(req, maxBytes), req.headers.get('content-type') ?? '');
}

/** The same for a body its caller reads itself (the gateway's Node path, off the socket); `read` stops just past the cap. */
export async function readJsonBytes(read: () => Promise<Uint8Array>, headers: Headers, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const declared = headers.get('content-length');
  if (declared && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  const bytes = await read();
  if (bytes.byteLength > maxBytes) throw tooLarge(maxBytes);
  return parseJsonText(new TextDecoder('utf-8', { fatal: false }).decode(bytes), headers.get('content-type') ?? '');
}

function parseJsonText(text: string, type: string): unknown {
  if (text.trim() === '') return {};
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 'Send the body as application/json');
  }
  try {
    return JSON.parse(text);
  } catch {
    // No parser message in the answer: it quotes the body, which may hold a password or secret.
    throw new AppError('invalid_json', 'The body is not valid JSON');
  }
}

async function readCapped(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

const tooLarge = (maxBytes: number) =>
  new AppError('payload_too_large', `The body is larger than ${maxBytes} bytes`, {
    max_bytes: maxBytes,
  });
