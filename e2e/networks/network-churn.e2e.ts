import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dockerOk } from '../support/docker-cli';
import { settings } from '../support/engine';
import { eventually } from '../support/eventually';
import { hostLinks, iptablesRules, leftNetworkNamespaces } from '../support/host-network';

describe('network churn', () => {
  it('leaves no IP, veth, iptables rule, bridge or netns behind after 100 containers on one network', async () => {
    const linksBefore = hostLinks();
    const rulesBefore = iptablesRules();
    await dockerOk(['network', 'create', 'churn-net']);
    const [network] = JSON.parse(await dockerOk(['network', 'inspect', 'churn-net']));
    const bridge = network.Options['com.docker.network.bridge.name'] ?? `br-${network.Id.slice(0, 12)}`;
    expect(hostLinks()).toContain(bridge);

    const ports = Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? ['-p', '80'] : []));
    const ids: string[] = [];
    for (let batch = 0; batch < 100; batch += 10) {
      const started = await Promise.all(
        ports.slice(batch, batch + 10).map((publish) => dockerOk(['run', '-d', '--network', 'churn-net', ...publish, settings().image, 'sleep', '300'], { timeoutMs: 60_000 })),
      );
      ids.push(...started.map((out) => out.trim()));
    }
    // network-svc's view: every container with an address of its own.
    const [full] = JSON.parse(await dockerOk(['network', 'inspect', 'churn-net']));
    const addresses = Object.values(full.Containers as Record<string, { IPv4Address: string }>).map((c) => c.IPv4Address);
    expect(Object.keys(full.Containers).sort()).toEqual([...ids].sort());
    expect(new Set(addresses).size).toBe(100);

    await dockerOk(['rm', '-f', ...ids], { timeoutMs: 120_000 });
    const [empty] = JSON.parse(await dockerOk(['network', 'inspect', 'churn-net']));
    expect(empty.Containers).toEqual({});
    await dockerOk(['network', 'rm', 'churn-net']);

    expect(hostLinks().sort()).toEqual(linksBefore.sort());
    expect(iptablesRules().sort()).toEqual(rulesBefore.sort());
    // Namespaces given back are unbound just after.
    await eventually(() => expect(leftNetworkNamespaces()).toEqual([]));
    const attachments = join(settings().stateDir, 'network', 'attachments');
    expect(existsSync(attachments) ? readdirSync(attachments) : []).toEqual([]);
  });
});
