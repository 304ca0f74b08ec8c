/**
 * Local mode's stand-in for the console's S3 bucket + CloudFront: serves the built console at
 * /console/ with the same security headers the distribution sets, a `config.json` saying "local",
 * and — local mode only, never deployed — `POST /console/local-token`, the one-click sign-in
 * that mints a token exactly as `npm run token` does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { buildConsole, type ConsoleAsset } from '../../console/build.ts';
import { roles } from '../../shared/http/principal.ts';
import { mintToken } from './jwt.ts';

/** The Content-Security-Policy of the deployed console, with the API on the same origin. */
export const consoleSecurityHeaders = (connectSrc: string): Record<string, string> => ({
  'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connectSrc}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
});

const localTokenRequest = z.strictObject({
  tenant: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1–64)'),
  sub: z.string().trim().min(1).max(200),
  roles: z.array(z.enum(roles)).max(roles.length),
});

export type ConsoleSite = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: () => Promise<Buffer>,
) => Promise<boolean>;

export async function consoleSite(): Promise<ConsoleSite> {
  const assets = new Map<string, ConsoleAsset>((await buildConsole()).map((a) => [a.path, a]));
  assets.set('config.json', {
    path: 'config.json',
    contentType: 'application/json',
    body: Buffer.from(JSON.stringify({ mode: 'local', apiUrl: '' })),
  });
  const headers = consoleSecurityHeaders("'self'");
  return async (req, res, url, body) => {
    if (url.pathname === '/console') {
      res.writeHead(301, { location: '/console/' });
      res.end();
      return true;
    }
    if (!url.pathname.startsWith('/console/')) return false;
    const path = url.pathname.slice('/console/'.length) || 'index.html';
    if (path === 'local-token' && req.method === 'POST') {
      const parsed = localTokenRequest.safeParse(safeJson((await body()).toString('utf8')));
      if (!parsed.success) {
        const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
        res.writeHead(422, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Invalid local sign-in', errors }));
        return true;
      }
      const token = await mintToken(parsed.data);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ token }));
      return true;
    }
    const asset = assets.get(path);
    if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end('Not found');
      return true;
    }
    res.writeHead(200, { 'content-type': asset.contentType, 'cache-control': 'no-cache', ...headers });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
