/** The error codes the mock API answers with. */
export type ApiErrorCode =
  | 'invalid_request'
  | 'invalid_credentials'
  | 'invalid_grant'
  | 'invalid_token'
  | 'rate_limited'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'server_error';

/** A failure that becomes a JSON error response; thrown anywhere inside a handler. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('Content-Type', 'application/json; charset=utf-8');
  return response;
}

/** The one shape of every error: `{ error, message }`. */
export function errorResponse(error: HttpError): Response {
  return json({ error: error.code, message: error.message }, error.status, error.headers);
}

const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

async function readLimited(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get('Content-Length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array();
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const tooLarge = (max: number): HttpError => new HttpError(413, 'payload_too_large', `The body may be at most ${max} bytes.`);

/**
 * Reads a JSON object body once, at the edge: 413 past `maxBytes`, 415 for a body that is not
 * JSON, 400 for malformed JSON or anything but an object. `undefined` when there is no body.
 */
export async function readJsonObject(request: Request, maxBytes: number): Promise<Record<string, unknown> | undefined> {
  const bytes = await readLimited(request, maxBytes);
  const type = request.headers.get('Content-Type');
  if (bytes.byteLength === 0 && type === null) return undefined;
  if (type === null || !JSON_TYPE.test(type.trim())) {
    throw new HttpError(415, 'unsupported_media_type', 'Request bodies must be application/json.');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, 'invalid_request', 'The body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError(400, 'invalid_request', 'The body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
