import type { IncomingMessage, ServerResponse } from 'node:http';

import type { ApiResponse } from './envelope.ts';

export type BodyReadResult = { kind: 'complete'; body: Buffer } | { kind: 'too_large'; receivedBytes: number };

/**
 * Reads a request body of at most `maxBytes`. A larger body is read to its end and
 * discarded, so that the client finishes sending and can read the 413 response instead
 * of failing on a reset connection.
 */
export function readBody(request: IncomingMessage, maxBytes: number): Promise<BodyReadResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;

    request.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= maxBytes) {
        chunks.push(chunk);
      } else if (chunks.length > 0) {
        chunks.length = 0;
      }
    });
    request.on('end', () => {
      if (receivedBytes > maxBytes) {
        resolve({ kind: 'too_large', receivedBytes });
      } else {
        resolve({ kind: 'complete', body: Buffer.concat(chunks) });
      }
    });
    request.on('error', reject);
    request.on('close', () => {
      if (!request.complete) {
        reject(new Error('Client closed the connection before sending the whole body'));
      }
    });
  });
}

/** Returns the media type of a Content-Type header in lower case, without parameters. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) {
    return undefined;
  }
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return type === '' ? undefined : type;
}

/** Returns the lower-case charset parameter of a Content-Type header, if any. */
export function charset(contentType: string | undefined): string | undefined {
  const match = contentType?.match(/;\s*charset\s*=\s*"?([^";\s]+)"?/i);
  return match?.[1]?.toLowerCase();
}

/** Writes an ApiResponse. A string body is sent as text, and any other body as JSON. */
export function writeResponse(response: ServerResponse, apiResponse: ApiResponse): void {
  const isText = typeof apiResponse.body === 'string';
  const payload = isText ? (apiResponse.body as string) : JSON.stringify(apiResponse.body);
  const headers: Record<string, string> = {
    'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
  };
  for (const [name, value] of Object.entries(apiResponse.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  response.writeHead(apiResponse.status, headers);
  response.end(payload);
}
