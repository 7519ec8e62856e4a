import { request, type IncomingHttpHeaders } from 'node:http';
import { settings } from './engine';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
}

/**
 * One HTTP request to the engine's socket (or another engine's), for checks at the level of
 * status, headers and bytes.
 */
export function rawRequest(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, socketPath = settings().apiSocket): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString(), bytes });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
