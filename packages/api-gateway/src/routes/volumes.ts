import { EngineError, type ServiceClient, type volumeV1 } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { readJsonBody, sendEmpty, sendJson } from '../http/responses.js';
import { filterValues, parseFilters } from '../wire/filters.js';
import { volumeJson } from '../docker/volume-json.js';
import { compareApiVersions } from '../http/api-version.js';

export type VolumeBackend = Pick<ServiceClient<typeof volumeV1.VolumeService>, 'createVolume' | 'listVolumes' | 'inspectVolume' | 'removeVolume' | 'pruneVolumes'>;

interface VolumeCreateBody {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
  ClusterVolumeSpec?: object | null;
}

const isTrue = (value: string | null) => value === '1' || value === 'true';

export function volumeRoutes(volumes: VolumeBackend): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/volumes',
      async handle({ res, query }) {
        const { volumes: list } = await volumes.listVolumes({ filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, { Volumes: list.map(volumeJson), Warnings: null });
      },
    },
    {
      method: 'POST',
      pattern: '/volumes/create',
      async handle({ req, res }) {
        const body = await readJsonBody<VolumeCreateBody>(req);
        if (body === undefined) throw EngineError.invalid('got EOF while reading request body');
        if (body.ClusterVolumeSpec) throw EngineError.notImplemented('cluster volumes need Swarm, which this engine does not run');
        const { volume } = await volumes.createVolume({ name: body.Name ?? '', driver: body.Driver ?? '', driverOptions: body.DriverOpts ?? {}, labels: body.Labels ?? {} });
        sendJson(res, 201, volumeJson(volume!));
      },
    },
    {
      method: 'POST',
      pattern: '/volumes/prune',
      async handle({ res, query, apiVersion }) {
        const filters = parseFilters(query.get('filters'));
        // Before API 1.42 prune took every unused volume, and knew no `all` filter.
        if (compareApiVersions(apiVersion, '1.42') < 0) {
          if ('all' in filters) throw EngineError.invalid("Invalid filter 'all'");
          filters.all = ['true'];
        }
        const { deleted, spaceReclaimed } = await volumes.pruneVolumes({ filters: filterValues(filters) });
        sendJson(res, 200, { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: Number(spaceReclaimed) });
      },
    },
    {
      method: 'GET',
      pattern: '/volumes/:name',
      async handle({ res, params }) {
        const { volume } = await volumes.inspectVolume({ name: params.name });
        sendJson(res, 200, volumeJson(volume!));
      },
    },
    {
      method: 'DELETE',
      pattern: '/volumes/:name',
      async handle({ res, params, query }) {
        await volumes.removeVolume({ name: params.name, force: isTrue(query.get('force')) });
        sendEmpty(res, 204);
      },
    },
  ];
}
