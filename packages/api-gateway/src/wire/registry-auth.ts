import { EngineError } from '@flotilla/proto';

/** Credentials the Docker client sends in X-Registry-Auth or the body of POST /auth. */
export interface RegistryAuthConfig {
  username?: string;
  password?: string;
  /** base64 of "user:password", the form config.json keeps. */
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

export function normaliseAuth(config: RegistryAuthConfig): {
  username: string;
  password: string;
  identityToken: string;
  registryToken: string;
  serverAddress: string;
} {
  let { username = '', password = '' } = config;
  if (!username && config.auth) {
    const decoded = Buffer.from(config.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) [username, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  }
  return {
    username,
    password,
    identityToken: config.identitytoken ?? '',
    registryToken: config.registrytoken ?? '',
    serverAddress: config.serveraddress ?? '',
  };
}

/** X-Registry-Auth: base64url JSON (standard base64 accepted too); absent or `e30=` is anonymous. */
export function decodeRegistryAuthHeader(header: string | string[] | undefined): ReturnType<typeof normaliseAuth> {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return normaliseAuth({});
  try {
    const json = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    return normaliseAuth(JSON.parse(json) as RegistryAuthConfig);
  } catch {
    throw EngineError.invalid('invalid X-Registry-Auth header: expected base64url-encoded JSON');
  }
}
