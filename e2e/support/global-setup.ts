import { mkdirSync } from 'node:fs';
import { buildBusyboxRootfs } from '@flotilla/tools/fixtures';
import { cleanUp } from './clean-up';
import { dockerOk } from './docker-cli';
import { e2eRoot, newSettings, startEngine } from './engine';

/** One engine for the whole suite, on its own state dir, sockets and containerd namespace. */
export default async function globalSetup(): Promise<void> {
  await cleanUp();
  mkdirSync(e2eRoot, { recursive: true });
  const s = await newSettings();
  buildBusyboxRootfs(s.rootfsTar);
  await startEngine(s);
  await dockerOk(['import', s.rootfsTar, s.image]);
}
