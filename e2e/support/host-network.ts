import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { settings } from './engine';

/** An address of the host other than loopback: how other machines would reach a published port. */
export function hostAddress(): string {
  const address = Object.entries(networkInterfaces())
    .filter(([name]) => name !== 'lo' && !name.startsWith('br-') && !name.startsWith('flotilla') && !name.startsWith('docker') && !name.startsWith('veth'))
    .flatMap(([, addresses]) => addresses ?? [])
    .find((a) => a.family === 'IPv4' && !a.internal);
  if (!address) throw new Error('the host has no IPv4 address besides loopback');
  return address.address;
}

/** The host's iptables rules (filter and nat) and ip6tables rules (filter), one per line. */
export function iptablesRules(): string[] {
  const tables = [
    ['iptables-save', 'filter'],
    ['iptables-save', 'nat'],
    ['ip6tables-save', 'filter'],
  ];
  return tables.flatMap(([tool, table]) => execFileSync(tool, ['-t', table], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('-A ')));
}

/** The host's network devices by name. */
export function hostLinks(): string[] {
  return (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { ifname: string }[]).map((l) => l.ifname);
}

/**
 * A command that GETs a URL with busybox wget within 5 s. Debian's static wget crashes with its own
 * -T, and a PID 1 ignores timeout's signal: the shell stays PID 1 and wget runs as its child.
 */
export const wget = (url: string) => ['sh', '-c', `timeout 5 wget -qO- ${url}; exit $?`];

/** The host's routes to `subnet` through devices other than `device`. */
export function routesElsewhere(subnet: string, device: string): string[] {
  const routes = JSON.parse(execFileSync('ip', ['-j', '-4', 'route', 'show', 'table', 'main'], { encoding: 'utf8' })) as { dst: string; dev: string }[];
  return routes.filter((r) => r.dst === subnet && r.dev !== device).map((r) => `${r.dst} dev ${r.dev}`);
}

/** Network namespaces left behind: any of a container, and any beyond the couple network-svc keeps made ahead of need. */
export function leftNetworkNamespaces(): string[] {
  const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
  const dir = join(settings().runDir, 'netns');
  return [...entries(dir).filter((name) => name !== '.stock'), ...entries(join(dir, '.stock')).slice(2)];
}
