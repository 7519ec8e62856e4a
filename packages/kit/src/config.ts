import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '@flotilla/proto';

/**
 * Services are configured by environment variables only, so the same build runs under the
 * one-machine launcher and as a Kubernetes pod.
 */
export function envString(name: string, fallback?: string): string {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback !== undefined) return fallback;
  throw new EngineError('invalid', `environment variable ${name} is required`);
}

export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new EngineError('invalid', `environment variable ${name} must be an integer, got "${raw}"`);
  return value;
}

/** The version in the package.json next to a service's `dist/` (call with `__dirname`). */
export function packageVersion(distDir: string): string {
  return (JSON.parse(readFileSync(join(distDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
}
