import { writeFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { ipv6Gateway } from '../core/network-spec.js';
import { hasIpv6, type AttachmentRecord, type EndpointRecord, type NetworkRecord, type PublishedPort } from '../core/network-record.js';
import type { BridgeDataPlane } from '../core/ports.js';
import { parseIpv4Prefix, type Ipv4Prefix } from '../core/ipv4.js';
import { runCniPlugin } from './cni-plugins.js';
import { runCommand, succeeds } from '@flotilla/kit';

/** Chains of ours, shared by every engine on the host (rules name their bridge or their container's address). */
const chains = {
  forward: { table: 'filter', name: 'FLOTILLA-FORWARD' },
  isolation: { table: 'filter', name: 'FLOTILLA-ISOLATION-1' },
  isolation2: { table: 'filter', name: 'FLOTILLA-ISOLATION-2' },
  /** Published ports: traffic to a host address is sent on to the container. */
  dnat: { table: 'nat', name: 'FLOTILLA-DNAT' },
  postrouting: { table: 'nat', name: 'FLOTILLA-POSTROUTING' },
} as const;

/** A rule of iptables, or of ip6tables for the filter rules of a network with IPv6. */
type Rule = { table: 'filter' | 'nat'; chain: string; spec: string[]; ipv6?: true };

const tool = (rule: Pick<Rule, 'ipv6'>) => (rule.ipv6 ? 'ip6tables' : 'iptables');

/**
 * Docker's bridge networking: per network, a bridge device with the gateway address, the
 * masquerading of traffic that leaves the host, forwarding in and out, and isolation from the
 * other networks (all of it for internal networks). Per container, the CNI bridge plugin makes
 * the veth pair and sets the address the catalog chose (static IPAM), and a DNAT rule per published
 * port, written in one iptables-restore, forwards it (CNI's portmap takes several times as long).
 */
export class CniBridgeDataPlane implements BridgeDataPlane {
  /** By family: IPv6 (true) once a network with IPv6 needs them. */
  private readonly chainsReady = new Map<boolean, Promise<void>>();

  constructor(private readonly pluginDir: string) {}

  private iptables(rule: Rule, action: '-C' | '-A' | '-I' | '-D'): string[] {
    return ['-w', '-t', rule.table, action, rule.chain, ...rule.spec];
  }

  private async ensureRule(rule: Rule, first = false): Promise<void> {
    if (await succeeds(tool(rule), this.iptables(rule, '-C'))) return;
    await runCommand(tool(rule), this.iptables(rule, first ? '-I' : '-A'));
  }

  private async deleteRule(rule: Rule): Promise<void> {
    while (await succeeds(tool(rule), this.iptables(rule, '-C'))) await runCommand(tool(rule), this.iptables(rule, '-D'));
  }

  /**
   * Our chains, jumped to first from FORWARD so that a DROP policy or other rules come after. For
   * IPv6 only the filter chains: IPv6 is neither masqueraded nor DNATed.
   */
  private ensureChains(ipv6: boolean): Promise<void> {
    let ready = this.chainsReady.get(ipv6);
    if (!ready) {
      ready = this.makeChains(ipv6).catch((err) => {
        this.chainsReady.delete(ipv6);
        throw err;
      });
      this.chainsReady.set(ipv6, ready);
    }
    return ready;
  }

  private async makeChains(ipv6: boolean): Promise<void> {
    const family = ipv6 ? { ipv6: true as const } : {};
    const binary = tool(family);
    for (const { table, name } of Object.values(chains).filter((c) => !ipv6 || c.table === 'filter')) {
      if (!(await succeeds(binary, ['-w', '-t', table, '-n', '-L', name]))) await runCommand(binary, ['-w', '-t', table, '-N', name]);
    }
    await this.ensureRule({ table: 'filter', chain: 'FORWARD', spec: ['-j', chains.forward.name], ...family }, true);
    await this.ensureRule({ table: 'filter', chain: 'FORWARD', spec: ['-j', chains.isolation.name], ...family }, true);
    if (ipv6) return;
    // Published ports, from other hosts (PREROUTING) and from this one (OUTPUT).
    for (const chain of ['PREROUTING', 'OUTPUT']) await this.ensureRule({ table: 'nat', chain, spec: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', chains.dnat.name] });
    await this.ensureRule({ table: 'nat', chain: 'POSTROUTING', spec: ['-j', chains.postrouting.name] }, true);
    // Routing between the bridges and out of the host.
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  }

  private rulesOf(network: NetworkRecord): Rule[] {
    const bridge = network.bridge!;
    const subnet = network.ipam[0].subnet;
    const rule = (chain: { table: Rule['table']; name: string }, ...spec: string[]): Rule => ({ table: chain.table, chain: chain.name, spec });
    const filter = network.internal
      ? [
          rule(chains.isolation, '-i', bridge, '!', '-o', bridge, '-j', 'DROP'),
          rule(chains.isolation, '!', '-i', bridge, '-o', bridge, '-j', 'DROP'),
          rule(chains.forward, '-i', bridge, '-o', bridge, '-j', 'ACCEPT'),
        ]
      : [
          rule(chains.isolation, '-i', bridge, '!', '-o', bridge, '-j', chains.isolation2.name),
          rule(chains.isolation2, '-o', bridge, '-j', 'DROP'),
          rule(chains.forward, '-i', bridge, '-j', 'ACCEPT'),
          rule(chains.forward, '-o', bridge, '-j', 'ACCEPT'),
        ];
    // The same isolation for IPv6, for a host that forwards it.
    const ipv6Filter = hasIpv6(network) ? filter.map((r): Rule => ({ ...r, ipv6: true })) : [];
    if (network.internal) return [...filter, ...ipv6Filter];
    return [
      ...filter,
      ...ipv6Filter,
      // A published port reached from the host's 127.0.0.1, or from a container of this bridge
      // (hairpin), is answered through the host: its source becomes the bridge's address.
      rule(chains.postrouting, '-o', bridge, '-s', '127.0.0.0/8', '-j', 'MASQUERADE'),
      rule(chains.postrouting, '-o', bridge, '-s', subnet, '-m', 'conntrack', '--ctstate', 'DNAT', '-j', 'MASQUERADE'),
      ...(network.masquerade ? [rule(chains.postrouting, '-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE')] : []),
    ];
  }

  /** The DNAT rule of each port published on IPv4, to the container's address on the routed network. */
  private portRules(endpoint: Omit<EndpointRecord, 'cniResult'>, ports: readonly PublishedPort[]): Rule[] {
    return ports.filter((p) => !isIPv6(p.hostIp)).map((p) => ({
      table: 'nat',
      chain: chains.dnat.name,
      spec: [
        ...(p.hostIp && p.hostIp !== '0.0.0.0' ? ['-d', `${p.hostIp}/32`] : []),
        ...['-p', p.protocol, '-m', p.protocol, '--dport', String(p.hostPort), '-j', 'DNAT', '--to-destination', `${endpoint.address}:${p.containerPort}`],
      ],
    }));
  }

  /**
   * Adds or deletes rules in one iptables-restore, which takes the lock once and applies all of
   * them or none: one process instead of two or three per rule.
   */
  private async applyRules(action: '-A' | '-D', rules: readonly Rule[]): Promise<void> {
    for (const ipv6 of [false, true]) {
      const ofFamily = rules.filter((r) => (r.ipv6 ?? false) === ipv6);
      if (!ofFamily.length) continue;
      const tables = [...new Set(ofFamily.map((r) => r.table))];
      const lines = tables.flatMap((table) => [`*${table}`, ...ofFamily.filter((r) => r.table === table).map((r) => [action, r.chain, ...r.spec].join(' ')), 'COMMIT']);
      await runCommand(ipv6 ? 'ip6tables-restore' : 'iptables-restore', ['-w', '--noflush'], [...lines, ''].join('\n'));
    }
  }

  /** One call when all the rules are there; one by one, skipping those already gone, when not. */
  private async deleteRules(rules: readonly Rule[]): Promise<void> {
    await this.applyRules('-D', rules).catch(async () => {
      for (const rule of rules) await this.deleteRule(rule);
    });
  }

  async ensureNetwork(network: NetworkRecord): Promise<void> {
    const bridge = network.bridge!;
    const range = network.ipam[0];
    await this.ensureChains(false);
    if (hasIpv6(network)) await this.ensureChains(true);
    if (!(await succeeds('ip', ['link', 'show', 'dev', bridge]))) await runCommand('ip', ['link', 'add', 'name', bridge, 'type', 'bridge']);
    if (network.mtu) await runCommand('ip', ['link', 'set', 'dev', bridge, 'mtu', String(network.mtu)]);
    await runCommand('ip', ['addr', 'replace', `${range.gateway}/${range.subnet.split('/')[1]}`, 'dev', bridge]);
    // No duplicate address detection: the gateway answers at once, as dockerd's bridge does.
    if (hasIpv6(network)) await runCommand('ip', ['-6', 'addr', 'replace', `${ipv6Gateway(network.ipv6)}/${network.ipv6.subnet.split('/')[1]}`, 'dev', bridge, 'nodad']);
    await runCommand('ip', ['link', 'set', 'dev', bridge, 'up']);
    // Lets the host's 127.0.0.1 reach published ports: such packets are routed to the bridge.
    if (!network.internal) await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
    const rules = this.rulesOf(network);
    // Rules for a bridge that no rule names yet (a new network) are added in one
    // iptables-restore; otherwise (a restart, what a crash left) each is checked first, so that
    // none is added twice. Two or three processes instead of two per rule.
    if (await this.namedByNoRule(bridge, rules)) await this.applyRules('-A', rules);
    else for (const rule of rules) await this.ensureRule(rule);
  }

  /** Whether no rule of the tables `rules` go to names the bridge. */
  private async namedByNoRule(bridge: string, rules: readonly Rule[]): Promise<boolean> {
    const tables = [...new Set(rules.map((r) => `${r.ipv6 ? '6' : '4'} ${r.table}`))];
    for (const table of tables) {
      const [family, name] = table.split(' ');
      const saved = await runCommand(family === '6' ? 'ip6tables-save' : 'iptables-save', ['-t', name]);
      if (saved.split('\n').some((line) => line.split(' ').includes(bridge))) return false;
    }
    return true;
  }

  async removeNetwork(network: NetworkRecord): Promise<void> {
    if (network.driver !== 'bridge' || !network.bridge) return;
    await this.deleteRules(this.rulesOf(network));
    if (await succeeds('ip', ['link', 'show', 'dev', network.bridge])) await runCommand('ip', ['link', 'del', 'dev', network.bridge]);
  }

  private pluginConfig(network: NetworkRecord, endpoint: Omit<EndpointRecord, 'cniResult'>): Record<string, unknown> {
    return {
      name: `flotilla-${network.id.slice(0, 12)}`,
      type: 'bridge',
      bridge: network.bridge,
      isGateway: true,
      ipMasq: false,
      hairpinMode: true,
      ...(network.mtu ? { mtu: network.mtu } : {}),
      ipam: {
        type: 'static',
        addresses: [
          { address: `${endpoint.address}/${endpoint.prefixLength}`, gateway: endpoint.gateway },
          ...(endpoint.ipv6 ? [{ address: `${endpoint.ipv6.address}/${endpoint.ipv6.prefixLength}`, gateway: endpoint.ipv6.gateway }] : []),
        ],
        routes: endpoint.defaultRoute ? [{ dst: '0.0.0.0/0' }, ...(endpoint.ipv6 ? [{ dst: '::/0' }] : [])] : [],
      },
      runtimeConfig: { mac: endpoint.mac },
    };
  }

  async addEndpoint(network: NetworkRecord, attachment: AttachmentRecord, endpoint: Omit<EndpointRecord, 'cniResult'>, ports: readonly PublishedPort[]): Promise<object> {
    const target = { containerId: attachment.containerId, netnsPath: attachment.netnsPath, interfaceName: endpoint.interfaceName };
    const config = this.pluginConfig(network, endpoint);
    const result = await runCniPlugin(this.pluginDir, 'ADD', config, target);
    try {
      await this.applyRules('-A', this.portRules(endpoint, ports));
    } catch (err) {
      await runCniPlugin(this.pluginDir, 'DEL', { ...config, prevResult: result }, target).catch(() => undefined);
      throw err;
    }
    return result;
  }

  async removeEndpoint(network: NetworkRecord, attachment: AttachmentRecord, endpoint: EndpointRecord, ports: readonly PublishedPort[]): Promise<void> {
    await this.deleteRules(this.portRules(endpoint, ports));
    const target = { containerId: attachment.containerId, netnsPath: attachment.netnsPath, interfaceName: endpoint.interfaceName };
    await runCniPlugin(this.pluginDir, 'DEL', { ...this.pluginConfig(network, endpoint), prevResult: endpoint.cniResult }, target);
  }

  async hostSubnets(): Promise<Ipv4Prefix[]> {
    const routes = JSON.parse(await runCommand('ip', ['-j', '-4', 'route', 'show', 'table', 'main'])) as { dst: string }[];
    return routes.flatMap((route) => {
      const prefix = route.dst === 'default' ? undefined : parseIpv4Prefix(route.dst.includes('/') ? route.dst : `${route.dst}/32`, true);
      return prefix ? [prefix] : [];
    });
  }
}
