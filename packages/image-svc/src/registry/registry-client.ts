import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { EngineError } from '@flotilla/proto';
import { httpGet } from '@flotilla/kit';
import { nextLink } from './link-header.js';
import { parseWwwAuthenticate, type AuthChallenge } from './www-authenticate.js';
import { mediaTypes } from '../core/oci-types.js';

/** Credentials for one registry, as Docker clients send them. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
}

export interface BlobDownload {
  size: number;
  body: Readable;
}

/** One repository on one registry endpoint: what pull and push need of the distribution API. */
export interface RegistryRepository {
  readonly url: string;
  /** By tag or digest; a manifest fetched by digest is checked against it. */
  getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest>;
  getBlob(digest: string, signal?: AbortSignal): Promise<BlobDownload>;
  hasBlob(digest: string, signal?: AbortSignal): Promise<boolean>;
  putBlob(digest: string, size: number, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
  /** Returns the digest the registry stored the manifest under. */
  putManifest(reference: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<string>;
  /** Every tag of the repository, all pages of the registry's list. */
  listTags(signal?: AbortSignal): Promise<string[]>;
  /**
   * Proves the credentials are accepted (GET /v2/ with the challenge answered). A token server
   * that gives a refresh token for them makes it the identity token later calls can use instead.
   */
  checkLogin(signal?: AbortSignal): Promise<{ identityToken?: string }>;
}

/** The OAuth2 client this engine names itself as to token servers. */
const oauthClientId = 'flotilla';

const acceptManifests = [mediaTypes.dockerManifest, mediaTypes.dockerList, mediaTypes.ociManifest, mediaTypes.ociIndex].join(', ');


interface RegistryErrorBody {
  errors?: { code?: string; message?: string; detail?: unknown }[];
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `manifest unknown: manifest unknown`, as dockerd relays registry errors. */
async function registryErrorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as RegistryErrorBody;
    const first = body.errors?.[0];
    if (first) return `${(first.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${first.message ?? ''}`.replace(/^: /, '');
  } catch {
    // Not JSON: the status says it all.
  }
  return `${res.status} ${res.statusText}`.trim();
}

/**
 * The OCI distribution API over fetch, with Docker's authentication: anonymous, Basic, and the
 * bearer-token flow from the registry's `WWW-Authenticate` challenge. One instance per
 * repository and endpoint; tokens are kept for the instance's life (one pull or push).
 */
export class HttpRegistryRepository implements RegistryRepository {
  private authorization: string | undefined;
  /** Set by a login: tokens are then asked for with offline access, which may add a refresh token. */
  private offlineAccess = false;
  private refreshToken: string | undefined;

  constructor(
    readonly url: string,
    private readonly repository: string,
    private readonly actions: 'pull' | 'pull,push',
    private readonly credentials: RegistryCredentials,
  ) {}

  private async send(path: string, init: RequestInit & { duplex?: 'half' }, signal?: AbortSignal): Promise<Response> {
    const target = path.startsWith('http') ? path : `${this.url}${path}`;
    const attempt = () =>
      fetch(target, {
        ...init,
        signal,
        redirect: 'follow',
        headers: { ...(init.headers as Record<string, string>), ...(this.authorization ? { Authorization: this.authorization } : {}) },
      }).catch((err: Error) => {
        if (signal?.aborted) throw err;
        throw EngineError.unavailable(`${init.method ?? 'GET'} ${target}: ${(err.cause as Error | undefined)?.message ?? err.message}`, err);
      });
    let res = await attempt();
    // A streamed body cannot be sent twice: uploads are preceded by a request that authenticates.
    if (res.status !== 401 || init.duplex) return res;
    const challenges = parseWwwAuthenticate(res.headers.get('www-authenticate') ?? '');
    await res.body?.cancel();
    this.authorization = await this.answer(challenges, signal);
    if (this.authorization) res = await attempt();
    return res;
  }

  private async answer(challenges: AuthChallenge[], signal?: AbortSignal): Promise<string | undefined> {
    const { username, password, registryToken } = this.credentials;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      if (registryToken) return `Bearer ${registryToken}`;
      return `Bearer ${await this.fetchToken(bearer, signal)}`;
    }
    if (challenges.some((c) => c.scheme === 'basic') && username) {
      return `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    }
    return undefined;
  }

  /** The token server named in the challenge, asked for this repository's scope. */
  private async fetchToken(challenge: AuthChallenge, signal?: AbortSignal): Promise<string> {
    const { username, password, identityToken } = this.credentials;
    const realm = challenge.params.realm;
    if (!realm) throw EngineError.unavailable('the registry asked for a bearer token without saying where to get it');
    const scope = this.repository ? `repository:${this.repository}:${this.actions}` : challenge.params.scope;
    let res: Response;
    try {
      if (identityToken) {
        // An identity token from an earlier login is an OAuth2 refresh token.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: identityToken, service: challenge.params.service ?? '', client_id: oauthClientId });
        if (scope) form.set('scope', scope);
        res = await fetch(realm, { method: 'POST', body: form, signal });
      } else {
        const url = new URL(realm);
        if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
        if (scope) url.searchParams.set('scope', scope);
        if (this.offlineAccess && username) {
          url.searchParams.set('offline_token', 'true');
          url.searchParams.set('client_id', oauthClientId);
        }
        const headers: Record<string, string> = username ? { Authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` } : {};
        res = await fetch(url, { headers, signal });
      }
    } catch (err) {
      throw EngineError.unavailable(`getting a token from ${realm}: ${(err as Error).message}`, err);
    }
    if (res.status === 401 || res.status === 403) throw new EngineError('unauthorized', `unauthorized: ${await registryErrorText(res)}`);
    if (!res.ok) throw EngineError.unavailable(`getting a token from ${realm}: ${await registryErrorText(res)}`);
    const body = (await res.json()) as { token?: string; access_token?: string; refresh_token?: string };
    this.refreshToken = body.refresh_token ?? this.refreshToken;
    const token = body.token ?? body.access_token;
    if (!token) throw EngineError.unavailable(`the token server at ${realm} answered without a token`);
    return token;
  }

  private async fail(res: Response, what?: string): Promise<never> {
    let registryText = await registryErrorText(res);
    // HEAD answers carry no error body: say what the refusal means.
    if (res.status === 401 && registryText.startsWith('401')) registryText = 'unauthorized: authentication required';
    const text = what ? `${what}: ${registryText}` : registryText;
    if (res.status === 401 || res.status === 403) throw new EngineError('unauthorized', text);
    if (res.status === 404) throw EngineError.notFound(text);
    throw EngineError.unavailable(text);
  }

  async checkLogin(signal?: AbortSignal): Promise<{ identityToken?: string }> {
    this.offlineAccess = true;
    const res = await this.send('/v2/', { method: 'GET' }, signal);
    if (res.ok) {
      await res.body?.cancel();
      return { identityToken: this.refreshToken };
    }
    return this.fail(res, `login attempt to ${this.url}/v2/ failed with status: ${res.status} ${res.statusText}`);
  }

  async getManifest(reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    const res = await this.send(`/v2/${this.repository}/manifests/${reference}`, { headers: { Accept: acceptManifests } }, signal);
    // The caller names the image in its own words; the registry's are enough here.
    if (!res.ok) await this.fail(res);
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = sha256Digest(bytes);
    if (reference.includes(':') && reference !== digest) {
      throw EngineError.invalid(`manifest verification failed for digest ${reference}: the registry sent ${digest}`);
    }
    const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? res.headers.get('content-type') ?? '';
    return { mediaType, digest, bytes };
  }

  async listTags(signal?: AbortSignal): Promise<string[]> {
    const tags: string[] = [];
    for (let page: string | undefined = `/v2/${this.repository}/tags/list`; page; ) {
      const res = await this.send(page, { method: 'GET' }, signal);
      if (!res.ok) await this.fail(res, `tags of ${this.repository}`);
      tags.push(...(((await res.json()) as { tags?: string[] | null }).tags ?? []));
      const next = nextLink(res.headers.get('link'));
      page = next === undefined ? undefined : new URL(next, this.url).toString();
    }
    return tags;
  }

  async getBlob(digest: string, signal?: AbortSignal): Promise<BlobDownload> {
    const path = `/v2/${this.repository}/blobs/${digest}`;
    // Layers are the bulk of a pull: node's own HTTP client streams them at a fraction of fetch's
    // cost. A refusal (a token not asked for yet) goes through send(), which answers challenges.
    const blobUrl = new URL(path, this.url);
    const direct = await httpGet(blobUrl, { authorization: this.authorization, signal }).catch((err: Error) => {
      throw signal?.aborted ? err : EngineError.unavailable(`GET ${blobUrl}: ${err.message}`, err);
    });
    if (direct.statusCode === 200) return { size: Number(direct.headers['content-length'] ?? -1), body: direct };
    direct.resume();
    const res = await this.send(path, { method: 'GET' }, signal);
    if (!res.ok || !res.body) await this.fail(res, `blob ${digest}`);
    return { size: Number(res.headers.get('content-length') ?? -1), body: Readable.fromWeb(res.body as never) };
  }

  async hasBlob(digest: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.send(`/v2/${this.repository}/blobs/${digest}`, { method: 'HEAD' }, signal);
    if (res.status === 404) return false;
    if (!res.ok) await this.fail(res, `blob ${digest}`);
    return true;
  }

  async putBlob(digest: string, size: number, body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    const start = await this.send(`/v2/${this.repository}/blobs/uploads/`, { method: 'POST', headers: { 'Content-Length': '0' } }, signal);
    if (start.status !== 202) await this.fail(start, `starting the upload of ${digest}`);
    await start.body?.cancel();
    const location = new URL(start.headers.get('location') ?? '', this.url);
    location.searchParams.set('digest', digest);
    const res = await this.send(
      location.toString(),
      {
        method: 'PUT',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
        body: Readable.toWeb(Readable.from(body)) as never,
        duplex: 'half',
      },
      signal,
    );
    if (res.status !== 201) await this.fail(res, `uploading ${digest}`);
    await res.body?.cancel();
  }

  async putManifest(reference: string, mediaType: string, bytes: Buffer, signal?: AbortSignal): Promise<string> {
    const res = await this.send(`/v2/${this.repository}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes }, signal);
    if (res.status !== 201) await this.fail(res, `manifest ${this.repository}:${reference}`);
    await res.body?.cancel();
    return res.headers.get('docker-content-digest') ?? sha256Digest(bytes);
  }
}
