import { cleanUp } from './clean-up';

export default async function globalTeardown(): Promise<void> {
  if (!process.env.FLOTILLA_E2E_KEEP) await cleanUp();
}
