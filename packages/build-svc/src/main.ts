import { packageVersion, runService } from '@flotilla/kit';

/**
 * The builder's process. It starts, reports health and shuts down like every service; the
 * engine.build.v1 BuildService is registered here once the builder lands.
 */
void runService({
  name: 'build-svc',
  version: packageVersion(__dirname),
  async compose() {
    return [];
  },
});
