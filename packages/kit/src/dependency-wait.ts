/** Retries `check` until it succeeds: how a service waits for a dependency that is starting. */
export async function untilAvailable<T>(what: string, check: () => Promise<T>, logger: { warn(obj: object, msg: string): void }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await check();
    } catch (err) {
      if (attempt % 10 === 0) logger.warn({ err }, `waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
