import { networkV1, serviceRegistration } from '@flotilla/proto';
import { connectEventPublisher, envString, now, packageVersion, runService } from '@flotilla/kit';
import { defaultPoolsText, parsePools } from './core/address-pools.js';
import { ContainerAttachments } from './core/container-attachments.js';
import { DnsNames } from './core/dns-names.js';
import { NetworkCatalog } from './core/network-catalog.js';
import { networkHandlers } from './grpc/network-handlers.js';
import { CniBridgeDataPlane } from './runtime/bridge-data-plane.js';
import { EmbeddedDns } from './runtime/dns-server.js';
import { canListenOnIpv6, SocketHostPorts } from './runtime/host-ports.js';
import { NatsNetworkEvents } from './runtime/network-events.js';
import { NetworkNamespaces } from './runtime/network-namespaces.js';
import { FileNetworkStore } from './store/file-network-store.js';

void runService({
  name: 'network-svc',
  version: packageVersion(__dirname),
  async compose({ logger, own }) {
    const warn = (obj: object, msg: string) => logger.warn(obj, msg);
    const store = new FileNetworkStore(envString('FLOTILLA_STATE_DIR', '/var/lib/flotilla/network'));
    const events = new NatsNetworkEvents(own(await connectEventPublisher(envString('FLOTILLA_NATS_URL'), logger)));
    const dataPlane = new CniBridgeDataPlane(envString('FLOTILLA_CNI_PLUGIN_DIR', '/usr/lib/cni'));
    const names = new DnsNames();
    const nameServer = own(new EmbeddedDns(names, warn));
    const hostPorts = own(new SocketHostPorts(await canListenOnIpv6()));
    const catalog = own(
      new NetworkCatalog({
        store,
        dataPlane,
        nameServer,
        events,
        pools: parsePools(envString('FLOTILLA_ADDRESS_POOLS', defaultPoolsText)),
        defaultBridge: { name: envString('FLOTILLA_DEFAULT_BRIDGE', 'flotilla0'), subnet: process.env.FLOTILLA_DEFAULT_BRIDGE_SUBNET || undefined },
        now,
      }),
    );
    const attachments = new ContainerAttachments({ catalog, store, dataPlane, namespaces: own(new NetworkNamespaces(warn)), hostPorts, events, names, warn });
    await catalog.load();
    await attachments.load();
    return [serviceRegistration(networkV1.NetworkService, networkHandlers(catalog, attachments), logger)];
  },
});
