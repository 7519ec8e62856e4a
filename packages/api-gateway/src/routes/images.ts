import type { IncomingMessage } from 'node:http';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { EngineError, imageV1, type ServiceClient } from '@flotilla/proto';
import type { Route } from '../http/router.js';
import { queryBool, sendJson } from '../http/responses.js';
import { imageInspectJson, imageSummaryJson } from '../docker/image-json.js';

/** What the image routes need from image-svc. */
export type ImageBackend = Pick<ServiceClient<typeof imageV1.ImageService>, 'importImage' | 'listImages' | 'inspectImage'>;

type ImportInput = MessageInitShape<typeof imageV1.ImportImageRequestSchema>;

async function* importInput(
  options: MessageInitShape<typeof imageV1.ImportOptionsSchema>,
  body: IncomingMessage,
): AsyncGenerator<ImportInput> {
  yield { request: { case: 'options', value: options } };
  for await (const chunk of body as AsyncIterable<Buffer>) yield { request: { case: 'chunk', value: chunk } };
}

/** `repo` may carry the tag (`name:tag`, as the CLI sends it) or leave it to `tag`. */
export function importReference(repo: string, tag: string): string {
  if (!repo) return '';
  return tag ? `${repo}:${tag}` : repo;
}

export function imageRoutes(backend: ImageBackend): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/images/create',
      async handle({ req, res, query }) {
        const source = query.get('fromSrc');
        if (source === null) {
          throw EngineError.notImplemented('pulling images from a registry is not implemented yet');
        }
        if (source !== '-') throw EngineError.notImplemented('importing from a URL is not implemented yet; send the tar as the request body');
        const options = {
          reference: importReference(query.get('repo') ?? '', query.get('tag') ?? ''),
          changes: query.getAll('changes'),
          message: query.get('message') ?? '',
          platform: query.get('platform') ?? '',
        };
        const { imageId } = await backend.importImage(importInput(options, req));
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // Progress messages end with CRLF, as dockerd's stream writer does.
        res.end(JSON.stringify({ status: imageId }) + '\r\n');
      },
    },
    {
      method: 'GET',
      pattern: '/images/json',
      async handle({ res, query, apiVersion }) {
        const { images } = await backend.listImages({ all: queryBool(query, 'all') });
        sendJson(res, 200, images.map((image) => imageSummaryJson(image, apiVersion)));
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
