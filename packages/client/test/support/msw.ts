import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll } from "vitest";

/** Base URL the msw handlers answer on. */
export const BASE_URL = "http://relay.test";

/** An msw server started for the file that calls this, reset after each test. */
export function useMockServer(): ReturnType<typeof setupServer> {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
  return server;
}

/** A problem document as the relay writes it. */
export function problem(
  status: number,
  slug: string,
  title: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: `https://wasm-relay.dev/problems/${slug}`, title, status, error: title, ...extra };
}

/** A successful execute answer. */
export function executed(output: unknown, requestId = "a".repeat(64)): Record<string, unknown> {
  return {
    success: true,
    request_id: requestId,
    output,
    gas_used: 42,
    duration: 3,
    executed_at: "2026-11-25T04:00:00.000Z",
  };
}
