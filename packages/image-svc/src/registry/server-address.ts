import { EngineError } from '@flotilla/proto';
import { defaultDomain } from '../core/reference.js';

/**
 * The registry `docker login` names: `127.0.0.1:5000`, `http://127.0.0.1:5000/`, or Docker Hub's
 * legacy `https://index.docker.io/v1/` (also what an empty address means).
 */
export function registryDomain(serverAddress: string): string {
  const address = serverAddress.trim();
  if (address === '') return defaultDomain;
  const host = /^[a-z]+:\/\//i.test(address) ? new URL(address).host : address.replace(/\/.*$/, '');
  if (!host) throw EngineError.invalid(`invalid registry address "${serverAddress}"`);
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? defaultDomain : host.toLowerCase();
}
