import type { MessageInitShape } from '@bufbuild/protobuf';
import { dirname } from 'node:path';
import { EngineError, containerV1, type ServiceHandlers } from '@flotilla/proto';
import type { Filters } from '../core/container-filters.js';
import type { EndpointConfig } from '../core/container-record.js';
import type { ContainerLifecycle, WaitCondition } from '../core/container-lifecycle.js';
import type { ContainerObserver } from '../core/container-observer.js';
import type { ExecSessions } from '../core/exec-sessions.js';
import type { ContainerArchives, ContainerFilesStore } from '../core/ports.js';
import { filesystemHandlers } from './filesystem-handlers.js';
import { containerMessage, logEntriesMessages, outputStream, timestampNanos } from './container-message.js';

const conditions: Record<containerV1.WaitCondition, WaitCondition> = {
  [containerV1.WaitCondition.UNSPECIFIED]: 'not-running',
  [containerV1.WaitCondition.NOT_RUNNING]: 'not-running',
  [containerV1.WaitCondition.NEXT_EXIT]: 'next-exit',
  [containerV1.WaitCondition.REMOVED]: 'removed',
};

function filtersOf(filters: Record<string, containerV1.FilterValues>): Filters {
  return Object.fromEntries(Object.entries(filters).map(([key, { values }]) => [key, values]));
}

function parseBody(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw EngineError.invalid(`invalid container config: ${(err as Error).message}`);
  }
}

export function containerHandlers(
  lifecycle: ContainerLifecycle,
  observer: ContainerObserver,
  execs: ExecSessions,
  files: ContainerFilesStore,
  archives: ContainerArchives,
): ServiceHandlers<typeof containerV1.ContainerService> {
  const message = (id: string, summary = false) =>
    containerMessage(lifecycle.inspect(id), summary ? undefined : { stateDir: dirname(files.paths(id).hosts), logPath: lifecycle.logPath(id), sandboxKey: lifecycle.sandboxKey(id) });
  return {
    ...filesystemHandlers(lifecycle, archives),
    async createContainer(req) {
      return lifecycle.create(req.name, parseBody(req.configJson));
    },
    async startContainer(req) {
      await lifecycle.start(req.id);
      return {};
    },
    async stopContainer(req) {
      await lifecycle.stop(req.id, req.timeoutSeconds, req.signal);
      return {};
    },
    async killContainer(req) {
      await lifecycle.kill(req.id, req.signal);
      return {};
    },
    async removeContainer(req) {
      await lifecycle.remove(req.id, req.force, req.removeVolumes);
      return {};
    },
    async *waitContainer(req, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.WaitContainerResponseSchema>> {
      const exitCode = lifecycle.wait(req.id, conditions[req.condition], ctx.signal);
      // A client that goes away abandons the wait: its rejection needs no handler.
      exitCode.catch(() => undefined);
      yield { result: { case: 'registered', value: {} } };
      yield { result: { case: 'exited', value: { exitCode: await exitCode } } };
    },
    async *attachContainer(requests, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.AttachContainerResponseSchema>> {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.request.case !== 'options') throw EngineError.invalid('attach must start with its options');
      const options = first.value.request.value;
      const tty = lifecycle.attachable(options.id, options).config.Tty === true;
      // As dockerd: the log first, then what comes from now on (a line written between is missed).
      const replay = options.logs ? lifecycle.logs(options.id, { stdout: options.stdout, stderr: options.stderr, follow: false, signal: ctx.signal }) : undefined;
      yield { response: { case: 'attached', value: { tty } } };
      for await (const batch of replay?.entries ?? []) {
        for (const entry of batch) yield { response: { case: 'output', value: { stream: outputStream(entry.stream), data: entry.log } } };
      }
      if (options.logsOnly) return;
      const attachment = lifecycle.attach(options.id, options);
      ctx.signal.addEventListener('abort', () => attachment.output.close(), { once: true });
      // Stdin flows while output is streamed back.
      void (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const request = next.value.request;
          if (request.case === 'stdin') await attachment.writeStdin(request.value);
          else if (request.case === 'closeStdin') attachment.closeStdin();
        }
      })().catch(() => attachment.output.close());
      for await (const chunk of attachment.output) yield { response: { case: 'output', value: { stream: outputStream(chunk.stream), data: chunk.data } } };
    },
    async *readContainerLogs(req, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.ReadContainerLogsResponseSchema>> {
      const { tty, entries } = lifecycle.logs(req.id, {
        stdout: req.stdout,
        stderr: req.stderr,
        sinceNs: req.since && timestampNanos(req.since),
        untilNs: req.until && timestampNanos(req.until),
        tail: req.tail,
        follow: req.follow,
        signal: ctx.signal,
      });
      yield { response: { case: 'opened', value: { tty } } };
      for await (const batch of entries) {
        for (const value of logEntriesMessages(batch, req)) yield { response: { case: 'entries', value } };
      }
    },
    async resizeContainerTty(req) {
      await lifecycle.resize(req.id, req.width, req.height);
      return {};
    },
    async listContainers(req) {
      const records = await lifecycle.list(req.all, req.limit, filtersOf(req.filters));
      const sizes = req.size ? await lifecycle.sizes(records) : undefined;
      return {
        containers: records.map((r) => {
          const size = sizes?.get(r.id);
          const container = message(r.id, req.summary);
          return size ? { ...container, sizeRw: BigInt(size.rw), sizeRootFs: BigInt(size.rootFs) } : container;
        }),
      };
    },
    async inspectContainer(req) {
      return { container: message(lifecycle.inspect(req.id).id) };
    },
    async restartContainer(req) {
      await lifecycle.restart(req.id, req.timeoutSeconds, req.signal);
      return {};
    },
    async pauseContainer(req) {
      await lifecycle.pause(req.id);
      return {};
    },
    async unpauseContainer(req) {
      await lifecycle.unpause(req.id);
      return {};
    },
    async renameContainer(req) {
      await lifecycle.rename(req.id, req.name);
      return {};
    },
    async updateContainer(req) {
      return { warnings: await lifecycle.update(req.id, parseBody(req.updateJson)) };
    },
    async topContainer(req) {
      const { titles, processes } = await observer.top(req.id, req.psArgs);
      return { titles, processes: processes.map((fields) => ({ fields })) };
    },
    async *statsContainer(req, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.StatsContainerResponseSchema>> {
      for await (const stats of observer.stats(req.id, { stream: req.stream, oneShot: req.oneShot }, ctx.signal)) {
        yield { statsJson: Buffer.from(JSON.stringify(stats)) };
      }
    },
    async createExec(req) {
      return { id: execs.create(req.containerId, parseBody(req.configJson)) };
    },
    async *startExec(requests, ctx): AsyncGenerator<MessageInitShape<typeof containerV1.StartExecResponseSchema>> {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.request.case !== 'options') throw EngineError.invalid('an exec start must begin with its options');
      const { id, detach } = first.value.request.value;
      if (detach) {
        await execs.start(id, true);
        yield { response: { case: 'started', value: { tty: false } } };
        return;
      }
      // As dockerd: the client's connection is taken over before the process starts, and a start
      // that fails is told in the stream, followed by the exit code it left (126).
      const tty = execs.isTty(id);
      yield { response: { case: 'started', value: { tty } } };
      const exited = () => ({ response: { case: 'exited' as const, value: { execJson: Buffer.from(JSON.stringify(execs.inspect(id))) } } });
      let attachment;
      try {
        attachment = (await execs.start(id, false))!;
      } catch (err) {
        yield { response: { case: 'output', value: { stream: outputStream('stdout'), data: Buffer.from(`${(err as Error).message}\r\n`) } } };
        yield exited();
        return;
      }
      void (async () => {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const request = next.value.request;
          if (request.case === 'stdin') await attachment.writeStdin(request.value);
          else if (request.case === 'closeStdin') attachment.closeStdin();
        }
      })().catch(() => undefined);
      for await (const chunk of attachment.output) {
        if (ctx.signal.aborted) return;
        yield { response: { case: 'output', value: { stream: outputStream(chunk.stream), data: chunk.data } } };
      }
      // A detached attachment (its detach keys) leaves the process running: nothing final to tell.
      if (!execs.inspect(id).Running) yield exited();
    },
    async inspectExec(req) {
      return { execJson: Buffer.from(JSON.stringify(execs.inspect(req.id))) };
    },
    async resizeExecTty(req) {
      await execs.resize(req.id, req.width, req.height);
      return {};
    },
    async pruneContainers(req) {
      const { deleted, spaceReclaimed } = await lifecycle.prune(filtersOf(req.filters));
      return { deleted, spaceReclaimed: BigInt(spaceReclaimed) };
    },
    async connectContainerNetwork(req) {
      const endpoint = req.endpointConfigJson.length ? parseBody(req.endpointConfigJson) : {};
      if (typeof endpoint !== 'object' || endpoint === null || Array.isArray(endpoint)) throw EngineError.invalid('EndpointConfig must be an object');
      await lifecycle.connectNetwork(req.id, req.network, endpoint as EndpointConfig);
      return {};
    },
    async disconnectContainerNetwork(req) {
      await lifecycle.disconnectNetwork(req.id, req.network);
      return {};
    },
  };
}
