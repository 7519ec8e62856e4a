import type { ServerResponse } from 'node:http';
import { EngineError, imageV1, type ServiceClient } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { queryBool, sendJson } from '../http/responses.js';
import { drained } from '@flotilla/kit';
import { progressJson, streamJsonMessages } from '../wire/json-progress.js';
import { decodeRegistryAuthHeader } from '../wire/registry-auth.js';
import { filterValues, parseFilters } from '../wire/filters.js';
import { unixSeconds } from '../docker/time-format.js';
import { imageInspectJson, imageSummaryJson } from '../docker/image-json.js';
import { importImage } from './image-import.js';

/** What the image routes need from image-svc. */
export type ImageBackend = Pick<
  ServiceClient<typeof imageV1.ImageService>,
  | 'importImage'
  | 'listImages'
  | 'inspectImage'
  | 'pullImage'
  | 'pushImage'
  | 'tagImage'
  | 'removeImage'
  | 'getImageHistory'
  | 'pruneImages'
  | 'saveImages'
  | 'loadImages'
  | 'inspectDistribution'
>;

/**
 * What to pull: the CLI sends the repository in `fromImage` and the tag or digest in `tag`;
 * other clients put the tag into `fromImage`. No tag at all means every tag of the repository.
 */
export function pullReference(fromImage: string, tag: string): { reference: string; allTags: boolean } {
  if (!fromImage) throw EngineError.invalid('fromImage or fromSrc is required');
  if (tag) return { reference: tag.includes(':') ? `${fromImage}@${tag}` : `${fromImage}:${tag}`, allTags: false };
  const lastPart = fromImage.slice(fromImage.lastIndexOf('/') + 1);
  return { reference: fromImage, allTags: !lastPart.includes(':') && !fromImage.includes('@') };
}

/** A tar from image-svc: the head goes out with the first bytes, so an unknown image is still a 404. */
async function streamArchive(res: ServerResponse, chunks: AsyncIterable<{ chunk: Uint8Array }>): Promise<void> {
  for await (const { chunk } of chunks) {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    if (!res.write(chunk)) await drained(res);
  }
  res.end();
}

function removedJson({ removed }: imageV1.RemovedImage): Record<string, string> {
  return removed.case === 'untagged' ? { Untagged: removed.value } : { Deleted: removed.value ?? '' };
}

async function* mapAsync<T, U>(source: AsyncIterable<T>, map: (item: T) => U): AsyncGenerator<U> {
  for await (const item of source) yield map(item);
}

export function imageRoutes(backend: ImageBackend): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/images/create',
      async handle(ctx) {
        const { req, res, query, signal } = ctx;
        const source = query.get('fromSrc');
        if (source === null) {
          const { reference, allTags } = pullReference(query.get('fromImage') ?? '', query.get('tag') ?? '');
          const auth = decodeRegistryAuthHeader(req.headers['x-registry-auth']);
          const updates = backend.pullImage({ reference, allTags, platform: query.get('platform') ?? '', auth }, { signal });
          await streamJsonMessages(res, mapAsync(updates, (update) => progressJson(update.progress!)));
          return;
        }
        await importImage(backend, ctx, source);
      },
    },
    {
      method: 'GET',
      pattern: '/images/json',
      async handle({ res, query, apiVersion }) {
        const { images } = await backend.listImages({ all: queryBool(query, 'all'), filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, images.map((image) => imageSummaryJson(image, apiVersion)));
      },
    },
    {
      method: 'POST',
      pattern: '/images/:name*/push',
      async handle({ req, res, params, query, signal }) {
        const tag = query.get('tag') ?? '';
        const reference = tag ? `${params.name}:${tag}` : params.name;
        const auth = decodeRegistryAuthHeader(req.headers['x-registry-auth']);
        const events = backend.pushImage({ reference, auth, allTags: !tag }, { signal });
        await streamJsonMessages(
          res,
          mapAsync(events, ({ response }) =>
            response.case === 'pushed'
              ? { progressDetail: {}, aux: { Tag: response.value.tag, Digest: response.value.digest, Size: Number(response.value.size) } }
              : progressJson(response.value!),
          ),
        );
      },
    },
    {
      method: 'POST',
      pattern: '/images/:name*/tag',
      async handle({ res, params, query }) {
        const repo = query.get('repo') ?? '';
        if (!repo) throw EngineError.invalid('repository name (repo) is required');
        const tag = query.get('tag') ?? '';
        await backend.tagImage({ source: params.name, target: tag ? `${repo}:${tag}` : repo });
        res.writeHead(201);
        res.end();
      },
    },
    {
      method: 'DELETE',
      pattern: '/images/:name*',
      async handle({ res, params, query }) {
        const { removed } = await backend.removeImage({ reference: params.name, force: queryBool(query, 'force'), noPrune: queryBool(query, 'noprune') });
        sendJson(
          res,
          200,
          removed.map(removedJson),
        );
      },
    },
    {
      method: 'GET',
      pattern: '/images/get',
      async handle({ res, query, signal }) {
        await streamArchive(res, backend.saveImages({ references: query.getAll('names') }, { signal }));
      },
    },
    {
      method: 'GET',
      pattern: '/images/:name*/get',
      async handle({ res, params, signal }) {
        await streamArchive(res, backend.saveImages({ references: [params.name] }, { signal }));
      },
    },
    {
      method: 'POST',
      pattern: '/images/load',
      async handle({ req, res, signal }) {
        const chunks = (async function* () {
          for await (const chunk of req as AsyncIterable<Buffer>) yield { chunk };
        })();
        const { images } = await backend.loadImages(chunks, { signal });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        for (const image of images) {
          res.write(JSON.stringify({ stream: image.name ? `Loaded image: ${image.name}\n` : `Loaded image ID: ${image.id}\n` }) + '\r\n');
        }
        res.end();
      },
    },
    {
      method: 'GET',
      pattern: '/distribution/:name*/json',
      async handle({ req, res, params, signal }) {
        const auth = decodeRegistryAuthHeader(req.headers['x-registry-auth']);
        const { descriptor, platforms } = await backend.inspectDistribution({ reference: params.name, auth }, { signal });
        sendJson(res, 200, {
          Descriptor: { mediaType: descriptor!.mediaType, digest: descriptor!.digest, size: Number(descriptor!.size) },
          Platforms: platforms.map((p) => ({ architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) })),
        });
      },
    },
    {
      method: 'GET',
      pattern: '/images/:name*/history',
      async handle({ res, params }) {
        const { entries } = await backend.getImageHistory({ reference: params.name });
        sendJson(
          res,
          200,
          entries.map((e) => ({ Comment: e.comment, Created: unixSeconds(e.created), CreatedBy: e.createdBy, Id: e.id, Size: Number(e.size), Tags: e.tags.length ? e.tags : null })),
        );
      },
    },
    {
      method: 'POST',
      pattern: '/images/prune',
      async handle({ res, query }) {
        const { removed, spaceReclaimed } = await backend.pruneImages({ filters: filterValues(parseFilters(query.get('filters'))) });
        sendJson(res, 200, { ImagesDeleted: removed.length ? removed.map(removedJson) : null, SpaceReclaimed: Number(spaceReclaimed) });
      },
    },
    {
      method: 'GET',
      pattern: '/images/:name*/json',
      async handle({ res, params, apiVersion }) {
        const { image } = await backend.inspectImage({ reference: params.name });
        sendJson(res, 200, imageInspectJson(image!, apiVersion));
      },
    },
  ];
}
