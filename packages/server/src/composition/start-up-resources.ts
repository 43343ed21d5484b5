/**
 * What a server start-up has opened so far (Redis client, worker threads, event bus), closed in
 * reverse order when a later step throws, so a failed start leaves nothing running.
 */
export class StartUpResources {
  readonly #closers: (() => Promise<void> | void)[] = [];

  /** Records a resource to close if start-up fails. @returns the resource. */
  own<Resource>(resource: Resource, close: (resource: Resource) => Promise<void> | void): Resource {
    this.#closers.push(() => close(resource));
    return resource;
  }

  /**
   * Runs `step`; when it throws, closes everything owned so far (newest first) and rethrows the
   * step's error. A closer that fails is reported to `log` and the others still run.
   * @throws whatever `step` threw.
   */
  async build<Result>(
    step: () => Promise<Result>,
    log: (message: string) => void,
  ): Promise<Result> {
    try {
      return await step();
    } catch (error) {
      for (const close of this.#closers.reverse()) {
        try {
          await close();
        } catch (closeError) {
          log(`warning: cleaning up after a failed start: ${String(closeError)}`);
        }
      }
      this.#closers.length = 0;
      throw error;
    }
  }
}
