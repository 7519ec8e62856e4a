import { EngineError } from '@flotilla/proto';

/** How to reach one registry, from the engine's registry config file. */
export interface RegistryHostConfig {
  /** Tried in order before the registry itself when pulling, e.g. "http://127.0.0.1:5001". */
  mirrors?: string[];
  /** Replaces the registry's own address, e.g. "https://registry.internal:8443". */
  endpoint?: string;
  /** Talk plain HTTP to it (loopback registries always may). */
  insecure?: boolean;
}

/** `{"registries": {"docker.io": {"mirrors": [...]}, "registry.local:5000": {"insecure": true}}}` */
export interface RegistryConfig {
  registries?: Record<string, RegistryHostConfig>;
}

export interface RegistryEndpoint {
  /** Base URL without a trailing slash, e.g. `https://registry-1.docker.io`. */
  url: string;
  mirror: boolean;
}

/** Docker Hub's name in references and the host that serves its API. */
const dockerHub = { name: 'docker.io', apiHost: 'registry-1.docker.io' };

function isLoopback(domain: string): boolean {
  const host = domain.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function parseUrl(value: string, what: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url.origin;
  } catch {
    throw EngineError.invalid(`registry config: ${what} "${value}" is not an http(s) URL`);
  }
}

/**
 * Where to send requests for a registry: its mirrors first when pulling (for any registry, not
 * only Docker Hub as dockerd does), then its configured endpoint or its own address. Plain HTTP
 * only for loopback registries and those configured as insecure.
 */
export function registryEndpoints(domain: string, config: RegistryConfig, purpose: 'pull' | 'push'): RegistryEndpoint[] {
  const host = config.registries?.[domain] ?? {};
  const mirrors = purpose === 'pull' ? (host.mirrors ?? []).map((m) => ({ url: parseUrl(m, 'mirror'), mirror: true })) : [];
  let own: string;
  if (host.endpoint) {
    own = parseUrl(host.endpoint, 'endpoint');
  } else {
    const apiHost = domain === dockerHub.name ? dockerHub.apiHost : domain;
    own = `${host.insecure || isLoopback(domain) ? 'http' : 'https'}://${apiHost}`;
  }
  return [...mirrors, { url: own, mirror: false }];
}

/** Checks a parsed config file, so a mistake is reported at start-up rather than on a pull. */
export function validateRegistryConfig(config: unknown): RegistryConfig {
  if (typeof config !== 'object' || config === null) throw EngineError.invalid('registry config: expected a JSON object');
  const registries = (config as RegistryConfig).registries ?? {};
  for (const [domain, host] of Object.entries(registries)) registryEndpoints(domain, { registries: { [domain]: host } }, 'pull');
  return config as RegistryConfig;
}
