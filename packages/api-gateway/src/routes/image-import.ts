import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { imageV1, ServiceClient } from '@flotilla/proto';
import type { RequestContext } from '../http/router.js';
import { openRemoteArchive, type RemoteArchive } from '../http/remote-archive.js';
import { progressJson, streamJsonMessages } from '../wire/json-progress.js';

export type ImportBackend = Pick<ServiceClient<typeof imageV1.ImageService>, 'importImage'>;
type ImportOptions = MessageInitShape<typeof imageV1.ImportOptionsSchema>;
type ImportInput = MessageInitShape<typeof imageV1.ImportImageRequestSchema>;

/** How often a URL import reports the bytes read, as dockerd's progress reader does. */
const progressIntervalMs = 100;

async function* importInput(options: ImportOptions, body: AsyncIterable<Uint8Array>): AsyncGenerator<ImportInput> {
  yield { request: { case: 'options', value: options } };
  for await (const chunk of body) yield { request: { case: 'chunk', value: chunk } };
}

/** `repo` may carry the tag (`name:tag`, as the CLI sends it) or leave it to `tag`. */
export function importReference(repo: string, tag: string): string {
  if (!repo) return '';
  return tag ? `${repo}:${tag}` : repo;
}

/** dockerd's messages for an archive fetched from a URL: where from, bytes read, then the ID. */
async function* remoteImportMessages(backend: ImportBackend, options: ImportOptions, remote: RemoteArchive, signal: AbortSignal): AsyncGenerator<Record<string, unknown>> {
  yield { status: `Downloading from ${remote.url}` };
  let read = 0;
  const counted = async function* () {
    for await (const chunk of remote.body as AsyncIterable<Buffer>) {
      read += chunk.length;
      yield chunk;
    }
  };
  const importing = backend.importImage(importInput({ ...options, source: remote.url }, counted()), { signal });
  const progress = () => progressJson({ id: '', status: 'Importing', current: read, total: Math.max(remote.size, 0), plain: false });
  let reported = 0;
  for (let done = false; !done; ) {
    done = await Promise.race([importing.then(() => true), sleep(progressIntervalMs, false, { signal })]);
    if (read !== reported) {
      reported = read;
      yield progress();
    }
  }
  yield { status: (await importing).imageId };
}

/**
 * `POST /images/create?fromSrc=`: the archive is the request body (`-`) or fetched from a URL by
 * the gateway, as dockerd's router does, and streamed to image-svc either way.
 */
export async function importImage(backend: ImportBackend, { req, res, query, signal }: RequestContext, source: string): Promise<void> {
  const options: ImportOptions = {
    reference: importReference(query.get('repo') ?? '', query.get('tag') ?? ''),
    changes: query.getAll('changes'),
    message: query.get('message') ?? '',
    platform: query.get('platform') ?? '',
  };
  if (source !== '-') {
    // Opened first: a URL that does not answer is a plain HTTP error.
    const remote = await openRemoteArchive(source, signal);
    await streamJsonMessages(res, remoteImportMessages(backend, options, remote, signal));
    return;
  }
  const { imageId } = await backend.importImage(importInput({ ...options, source }, req), { signal });
  res.writeHead(200, { 'Content-Type': 'application/json' });
  // Progress messages end with CRLF, as dockerd's stream writer does.
  res.end(JSON.stringify({ status: imageId }) + '\r\n');
}
