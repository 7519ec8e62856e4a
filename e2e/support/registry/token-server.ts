import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** What a registry's `auth.token` configuration needs to know about its token server. */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** The self-signed certificate of the key that signs the tokens. */
  rootCertBundle: string;
  /** Access tokens given for refresh tokens (identity tokens) so far. */
  oauthGrants(): number;
  close(): Promise<void>;
}

/** One entry of a token's `access` claim. */
interface ResourceAccess {
  type: string;
  name: string;
  actions: string[];
}

const service = 'flotilla-e2e-registry';
const issuer = 'flotilla-e2e-token-server';
const tokenLifetimeSeconds = 300;

/**
 * The Docker registry token flow for one registry: `GET /token?service=…&scope=repository:<name>:pull,push`
 * with optional Basic credentials answers a JWT the registry verifies against `rootCertBundle`;
 * with `offline_token=true` also a refresh token, which `POST /token` (OAuth2 `grant_type=refresh_token`)
 * exchanges for access tokens later.
 * Known users get every action they ask for; anonymous callers get a token that grants nothing (so
 * the registry refuses them with insufficient_scope); wrong credentials get a 401, as `docker login` expects.
 * It serves from the caller's event loop, so it cannot answer while the caller blocks in a sync call.
 */
export async function startTokenServer(dir: string, users: Record<string, string>): Promise<TokenServer> {
  mkdirSync(dir, { recursive: true });
  const keyPath = join(dir, 'signing-key.pem');
  const certPath = join(dir, 'signing-cert.pem');
  const keyType = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
  execFileSync('openssl', ['req', '-x509', ...keyType, '-nodes', '-days', '1', '-subj', `/CN=${issuer}`, '-keyout', keyPath, '-out', certPath], { stdio: 'pipe' });
  const signToken = tokenSigner(readFileSync(keyPath), readFileSync(certPath));

  // Refresh tokens handed out by logins that asked for offline access, and whose they are.
  const refreshTokens = new Map<string, string>();
  const issue = (res: ServerResponse, subject: string | undefined, scopes: string[], refreshToken?: string) => {
    const access: ResourceAccess[] = [];
    for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
      const parsed = parseScope(scope);
      if (!parsed) return reply(res, 400, registryError('INVALID_SCOPE', `cannot read the scope ${scope}`));
      access.push(parsed);
    }
    const token = signToken(subject ?? '', subject !== undefined ? access : []);
    const refresh = refreshToken ? { refresh_token: refreshToken } : {};
    reply(res, 200, { token, access_token: token, expires_in: tokenLifetimeSeconds, issued_at: new Date().toISOString(), ...refresh });
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://token-server');
    if (url.pathname !== '/token' || (req.method !== 'GET' && req.method !== 'POST')) {
      return reply(res, 404, registryError('NOT_FOUND', 'the token server only answers GET and POST /token'));
    }
    if (req.method === 'POST') {
      // OAuth2: an identity token from an earlier login, exchanged for an access token.
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const form = new URLSearchParams(body);
      const subject = refreshTokens.get(form.get('refresh_token') ?? '');
      if (form.get('grant_type') !== 'refresh_token' || subject === undefined) return reply(res, 401, registryError('UNAUTHORIZED', 'invalid refresh token'));
      oauthGrants++;
      return issue(res, subject, form.getAll('scope'));
    }
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials === 'malformed' || (credentials && users[credentials.username] !== credentials.password)) {
      return reply(res, 401, registryError('UNAUTHORIZED', 'incorrect username or password'));
    }
    let refreshToken: string | undefined;
    if (credentials && url.searchParams.get('offline_token') === 'true') {
      refreshToken = randomUUID();
      refreshTokens.set(refreshToken, credentials.username);
    }
    issue(res, credentials?.username, url.searchParams.getAll('scope'), refreshToken);
  });
  let oauthGrants = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertBundle: certPath,
    oauthGrants: () => oauthGrants,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // Clients keep connections alive; close() would wait for them.
        server.closeAllConnections();
      }),
  };
}

/**
 * Signs JWTs the way distribution 2.8 verifies them: ES256 over `header.claims`, the signature as
 * raw r||s, and the signing certificate in `x5c` so it chains to the registry's rootcertbundle
 * (2.8 also accepts a `kid` holding the key's libtrust fingerprint; x5c needs no fingerprint code).
 * `aud` must be a plain string: 2.8 reads it into a string and calls an array a malformed token.
 */
function tokenSigner(keyPem: Buffer, certPem: Buffer): (subject: string, access: ResourceAccess[]) => string {
  const key = createPrivateKey(keyPem);
  const header = base64url({ typ: 'JWT', alg: 'ES256', x5c: [new X509Certificate(certPem).raw.toString('base64')] });
  return (subject, access) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub: subject, aud: service, exp: now + tokenLifetimeSeconds, nbf: now, iat: now, jti: randomUUID(), access };
    const signingInput = `${header}.${base64url(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  };
}

function base64url(json: object): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** `repository:<name>:pull,push` → its access entry; names may hold slashes but never colons. */
function parseScope(scope: string): ResourceAccess | undefined {
  const match = /^([^:]+):([^:]+):([^:]+)$/.exec(scope);
  return match ? { type: match[1], name: match[2], actions: match[3].split(',') } : undefined;
}

function basicCredentials(header: string | undefined): { username: string; password: string } | 'malformed' | undefined {
  if (header === undefined) return undefined;
  const match = /^Basic (.+)$/i.exec(header);
  if (!match) return 'malformed';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? 'malformed' : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The error body registries send, which Docker clients print. */
function registryError(code: string, message: string): object {
  return { errors: [{ code, message }] };
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}
