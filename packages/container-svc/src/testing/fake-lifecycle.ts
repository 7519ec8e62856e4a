import { ContainerLifecycle } from '../core/container-lifecycle.js';
import { FakeFiles, FakeLogs, FakeNetwork, FakeRuntime, RecordingEvents, fakeHost, fakeImages } from './fake-ports.js';

/** A lifecycle on fakes, with the fakes for the test to drive and inspect. */
export function lifecycleOnFakes() {
  const runtime = new FakeRuntime();
  const network = new FakeNetwork();
  const files = new FakeFiles();
  const logs = new FakeLogs();
  const events = new RecordingEvents();
  const lifecycle = new ContainerLifecycle({
    runtime,
    images: fakeImages,
    network,
    files,
    logs,
    events,
    host: fakeHost,
    netnsDir: '/netns',
    cgroupParent: '/test',
    outputDrainMs: 50,
    warn: () => undefined,
  });
  return { lifecycle, runtime, network, files, logs, events };
}
