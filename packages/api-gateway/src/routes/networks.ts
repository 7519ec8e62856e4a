import { EngineError, type containerV1, type networkV1, type ServiceClient } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { readJsonBody, sendEmpty, sendJson } from '../http/responses.js';
import { filterValues, parseFilters } from '../wire/filters.js';
import { createNetworkRequest, networkJson, type NetworkCreateBody } from '../docker/network-json.js';

/** What the network routes need: network-svc for networks, container-svc to (dis)connect containers. */
export interface NetworkBackends {
  networks: Pick<ServiceClient<typeof networkV1.NetworkService>, 'createNetwork' | 'listNetworks' | 'inspectNetwork' | 'removeNetwork' | 'pruneNetworks'>;
  containers: Pick<ServiceClient<typeof containerV1.ContainerService>, 'connectContainerNetwork' | 'disconnectContainerNetwork'>;
}

/** Connect and disconnect bodies; dockerd reads the body before anything else. */
async function requiredBody<T>(req: Parameters<typeof readJsonBody>[0]): Promise<T> {
  const body = await readJsonBody<T>(req);
  if (body === undefined) throw EngineError.invalid('got EOF while reading request body');
  return body;
}

export function networkRoutes({ networks, containers }: NetworkBackends): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/networks',
      async handle({ res, query }) {
        const { networks: list } = await networks.listNetworks({ filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, list.map(networkJson));
      },
    },
    {
      method: 'POST',
      pattern: '/networks/create',
      async handle({ req, res }) {
        const body = await requiredBody<NetworkCreateBody>(req);
        if (body.Ingress || body.ConfigOnly || body.ConfigFrom?.Network) throw EngineError.notImplemented('Swarm networks (ingress, config-only, config-from) are not supported');
        const created = await networks.createNetwork(createNetworkRequest(body));
        sendJson(res, 201, { Id: created.id, Warning: created.warning });
      },
    },
    {
      method: 'POST',
      pattern: '/networks/prune',
      async handle({ res, query }) {
        const { deleted } = await networks.pruneNetworks({ filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, { NetworksDeleted: deleted.length ? deleted : null });
      },
    },
    {
      method: 'GET',
      pattern: '/networks/:id',
      async handle({ res, params }) {
        const { network } = await networks.inspectNetwork({ id: params.id });
        sendJson(res, 200, networkJson(network!));
      },
    },
    {
      method: 'DELETE',
      pattern: '/networks/:id',
      async handle({ res, params }) {
        await networks.removeNetwork({ id: params.id });
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      pattern: '/networks/:id/connect',
      async handle({ req, res, params }) {
        const body = await requiredBody<{ Container?: string; EndpointConfig?: object | null }>(req);
        await containers.connectContainerNetwork({
          id: body.Container ?? '',
          network: params.id,
          endpointConfigJson: body.EndpointConfig ? Buffer.from(JSON.stringify(body.EndpointConfig)) : new Uint8Array(),
        });
        res.writeHead(200).end();
      },
    },
    {
      method: 'POST',
      pattern: '/networks/:id/disconnect',
      async handle({ req, res, params }) {
        const body = await requiredBody<{ Container?: string; Force?: boolean }>(req);
        await containers.disconnectContainerNetwork({ id: body.Container ?? '', network: params.id, force: body.Force === true });
        res.writeHead(200).end();
      },
    },
  ];
}
