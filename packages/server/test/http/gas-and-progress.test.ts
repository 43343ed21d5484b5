import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  // A budget above the default limit, so the progress run lasts about a second on any machine.
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_LIMIT_MAX_GAS: "10000000000" },
  });
});
afterAll(async () => {
  await relay?.close();
});

async function execute(userId: string, body: unknown) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: userId },
    body: JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

describe("metering through HTTP", () => {
  it("answers the seed's request with a real, repeatable gas_used that grows with the work", async () => {
    const seed = await execute("gas-user-1", { cid: "glyph://calculator@quantum", inputs: [5, 3] });
    expect(seed).toMatchObject({ success: true, output: 8 });
    expect(seed.gas_used).toEqual(expect.any(Number));
    expect(seed.gas_used as number).toBeGreaterThan(0);
    const again = await execute("gas-user-2", {
      cid: "glyph://calculator@quantum",
      inputs: [5, 3],
    });
    expect(again.gas_used).toBe(seed.gas_used);

    const small = await execute("gas-user-1", { cid: "glyph://busy@quantum", inputs: [1000] });
    const large = await execute("gas-user-1", { cid: "glyph://busy@quantum", inputs: [2000] });
    const larger = await execute("gas-user-1", { cid: "glyph://busy@quantum", inputs: [3000] });
    const step = (large.gas_used as number) - (small.gas_used as number);
    expect(step).toBeGreaterThan(1000);
    expect((larger.gas_used as number) - (large.gas_used as number)).toBe(step);
  });

  it("streams progress events while a long computation runs, before its result", async () => {
    const userId = "progress-user";
    const abort = new AbortController();
    const stream = await fetch(`${relay.url}/intent/execute-wasm/events`, {
      headers: { user_id: userId, Accept: "text/event-stream" },
      signal: abort.signal,
    });
    const received: { type: string; progress?: number; at: number }[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const data = buffer
            .slice(0, end)
            .split("\n")
            .filter((line) => line.startsWith("data: "))
            .map((line) => line.slice(6))
            .join("\n");
          buffer = buffer.slice(end + 2);
          if (data) received.push({ ...JSON.parse(data), at: performance.now() });
          end = buffer.indexOf("\n\n");
        }
      }
    })().catch(() => undefined);

    const answer = await execute(userId, {
      cid: "glyph://busy@quantum",
      inputs: [1_000_000_000],
      policy: { max_gas: 10_000_000_000, max_time: 30_000 },
    });
    const answeredAt = performance.now();
    expect(answer).toMatchObject({ success: true, output: 1_000_000_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    abort.abort();
    await reading;

    const types = received.map((event) => event.type);
    expect(types[0]).toBe("execution_queued");
    expect(types.at(-1)).toBe("execution_complete");
    const progress = received.filter((event) => event.type === "execution_progress");
    expect(progress.length).toBeGreaterThanOrEqual(1);
    // Read while the module ran: the first progress event came well before the answer.
    expect(progress[0]!.at).toBeLessThan(answeredAt - 50);
    const values = progress.map((event) => event.progress!);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(values.every((value) => value > 0 && value <= 100)).toBe(true);
  });
});
