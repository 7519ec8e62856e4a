/** A user of a registry, as `docker login` takes it. */
export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface RegistryRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** The one challenge distribution puts in `WWW-Authenticate`, e.g. `Bearer realm="…",service="…",scope="…"`. */
export function parseChallenge(header: string): AuthChallenge {
  const scheme = header.slice(0, header.indexOf(' ')).toLowerCase();
  const params: Record<string, string> = {};
  for (const [, key, value] of header.matchAll(/(\w+)="([^"]*)"/g)) params[key] = value;
  return { scheme, params };
}

/**
 * Plain HTTP to one registry, independent of the engine under test, authenticating the way Docker
 * clients do: a request answered 401 is sent again with Basic credentials, or with a bearer token
 * from the challenge's realm for the challenge's scope. The last authorization is reused, so only
 * a new scope costs another round trip.
 */
export class RegistryClient {
  private authorization: string | undefined;

  constructor(
    readonly address: string,
    private readonly credentials?: RegistryCredentials,
  ) {}

  /** `path` is relative to the registry (`/v2/…`) or an absolute URL it handed out (an upload's Location). */
  async fetch(path: string, request: RegistryRequest = {}): Promise<Response> {
    const url = new URL(path, `http://${this.address}`);
    const send = () =>
      fetch(url, { ...request, headers: { ...request.headers, ...(this.authorization ? { Authorization: this.authorization } : {}) } });
    const res = await send();
    if (res.status !== 401) return res;
    const authorization = await this.answer(parseChallenge(res.headers.get('www-authenticate') ?? ''));
    if (!authorization) return res;
    await res.arrayBuffer();
    this.authorization = authorization;
    return send();
  }

  private async answer(challenge: AuthChallenge): Promise<string | undefined> {
    if (challenge.scheme === 'bearer') return `Bearer ${await fetchToken(challenge, this.credentials)}`;
    if (challenge.scheme === 'basic' && this.credentials) return basicAuthorization(this.credentials);
    return undefined;
  }
}

export function basicAuthorization({ username, password }: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A token from the realm of a Bearer challenge; anonymous without credentials. */
export async function fetchToken(challenge: AuthChallenge, credentials?: RegistryCredentials): Promise<string> {
  const url = new URL(challenge.params.realm);
  url.searchParams.set('service', challenge.params.service);
  if (challenge.params.scope) url.searchParams.set('scope', challenge.params.scope);
  const res = await fetch(url, { headers: credentials ? { Authorization: basicAuthorization(credentials) } : {} });
  if (!res.ok) throw new Error(`the token server answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
