import { join } from 'node:path';
import { removeCgroupParent, stopReferenceDockerd } from '@flotilla/tools/fixtures';
import { e2eRoot } from './engine';

/** The suite's own reference dockerd, started by the tests that compare with it. */
export const referenceDockerdDir = join(e2eRoot, 'dockerd');
export const referenceDockerdCgroup = 'flotilla-e2e-dockerd';

export async function stopE2eDockerd(): Promise<void> {
  await stopReferenceDockerd(referenceDockerdDir);
  removeCgroupParent(referenceDockerdCgroup);
}
