import { describe, expect, it } from "vitest";
import { StoreTimeoutError, withTimeBound } from "./time-bound.js";

describe("withTimeBound", () => {
  it("passes a result or an error through when it comes in time", async () => {
    await expect(withTimeBound(Promise.resolve(7), 50)).resolves.toBe(7);
    await expect(withTimeBound(Promise.reject(new Error("boom")), 50)).rejects.toThrow("boom");
  });

  it("rejects with StoreTimeoutError once the bound has passed", async () => {
    const never = new Promise<never>(() => {});
    const started = performance.now();
    const error = await withTimeBound(never, 30).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as StoreTimeoutError).message).toBe("no answer within 30 ms");
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
  });
});

describe("withTimeBound on a busy event loop", () => {
  it("lets an answer that arrived during a long stall win over the timer that expired in it", async () => {
    const { createServer, connect } = await import("node:net");
    // A real socket: the answer is written at once, but read only after the stall.
    const server = createServer((socket) => socket.end("answer"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    const answer = new Promise<string>((resolve) =>
      socket.once("data", (data) => resolve(String(data))),
    );
    const bounded = withTimeBound(answer, 20);
    const stallUntil = Date.now() + 60; // the answer arrives while the loop is blocked
    while (Date.now() < stallUntil) {}
    await expect(bounded).resolves.toBe("answer");
    socket.destroy();
    server.close();
  });
});
