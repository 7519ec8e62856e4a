import { ContainerLifecycle } from '../core/container-lifecycle.js';
import { ContainerMounts } from '../core/container-mounts.js';
import { VolumeCatalog } from '../core/volumes/volume-catalog.js';
import {
  FakeFiles,
  FakeHostPaths,
  FakeImages,
  FakeLogs,
  FakeMounter,
  FakeNetwork,
  FakeRuntime,
  FakeVolumeStore,
  RecordingEvents,
  RecordingVolumeEvents,
  fakeHost,
} from './fake-ports.js';

/** A lifecycle on fakes, with the fakes for the test to drive and inspect. */
export function lifecycleOnFakes() {
  const runtime = new FakeRuntime();
  const network = new FakeNetwork();
  const files = new FakeFiles();
  const logs = new FakeLogs();
  const events = new RecordingEvents();
  const images = new FakeImages();
  const volumeStore = new FakeVolumeStore();
  const mounter = new FakeMounter();
  const volumeEvents = new RecordingVolumeEvents();
  const hostPaths = new FakeHostPaths();
  const volumes = new VolumeCatalog({ store: volumeStore, mounter, events: volumeEvents });
  const lifecycle = new ContainerLifecycle({
    runtime,
    images,
    network,
    files,
    mounts: new ContainerMounts({ volumes, hostPaths, events: volumeEvents }),
    logs,
    events,
    host: fakeHost,
    netnsDir: '/netns',
    cgroupParent: '/test',
    outputDrainMs: 50,
    warn: () => undefined,
  });
  return { lifecycle, runtime, images, network, files, logs, events, volumes, volumeStore, mounter, volumeEvents, hostPaths };
}
