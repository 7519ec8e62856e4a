import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, 'grpc.health.v1.Health');

/** Asks a server's grpc.health.v1 whether it is SERVING; false on any failure. */
export function isServing(address: string, timeoutMs = 1000): Promise<boolean> {
  const client = new HealthClient(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (err: unknown, res: { status?: string }) => {
      client.close();
      resolve(!err && res?.status === 'SERVING');
    });
  });
}

/** Polls until the server is SERVING or the time is up. */
export async function waitUntilServing(address: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isServing(address)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
