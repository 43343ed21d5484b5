import { afterEach, describe, expect, it } from "vitest";
import { type RelayServerProcess, startRelayServerProcess } from "../redis/relay-server-process.js";

let server: RelayServerProcess | undefined;
afterEach(async () => {
  await server?.kill();
  server = undefined;
});

/** `[[[…[0]…]]]` nested `depth` deep, as text (JSON.stringify itself would recurse). */
function nestedArrayText(depth: number): string {
  return `${"[".repeat(depth)}0${"]".repeat(depth)}`;
}

async function execute(url: string, body: string, user: string) {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: user },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const calculator = (a: number, b: number) =>
  JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [a, b] });
const deepRequest = `{"cid":"glyph://calculator@quantum","inputs":${nestedArrayText(2000)}}`;

describe("inputs nested 2,000 deep (issue 12, item 7)", () => {
  it("is a 400 naming the depth limit on a cold server, which still serves", async () => {
    server = await startRelayServerProcess({ RELAY_RATE_LIMIT: "1000" });
    expect(deepRequest.length).toBeLessThan(4200);
    const deep = await execute(server.url, deepRequest, "deep-cold");
    expect(deep.status).toBe(400);
    expect(JSON.stringify(deep.body)).toContain("RELAY_MAX_INPUT_DEPTH");
    expect(deep.body.details).toEqual([
      expect.objectContaining({ path: "inputs", code: "too_deep" }),
    ]);
    const after = await execute(server.url, calculator(5, 3), "deep-cold");
    expect(after).toMatchObject({ status: 200, body: { success: true, output: 8 } });
  });

  it("is a 400 on a warmed server (after a successful execute), which still serves", async () => {
    server = await startRelayServerProcess({ RELAY_RATE_LIMIT: "1000" });
    const first = await execute(server.url, calculator(1, 2), "deep-warm");
    expect(first).toMatchObject({ status: 200, body: { success: true, output: 3 } });
    for (const depth of [2000, 10_000, 100_000]) {
      const body = `{"cid":"glyph://calculator@quantum","inputs":${nestedArrayText(depth)}}`;
      const deep = await execute(server.url, body, "deep-warm");
      expect(deep.status).toBe(400);
      expect(JSON.stringify(deep.body)).toContain("64 levels");
    }
    const after = await execute(server.url, calculator(5, 3), "deep-warm");
    expect(after).toMatchObject({ status: 200, body: { success: true, output: 8 } });
  });

  it("takes its depth and size limits from RELAY_MAX_INPUT_DEPTH and RELAY_MAX_INPUT_VALUES", async () => {
    server = await startRelayServerProcess({
      RELAY_RATE_LIMIT: "1000",
      RELAY_MAX_INPUT_DEPTH: "3",
      RELAY_MAX_INPUT_VALUES: "10",
    });
    const atLimit = await execute(
      server.url,
      JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [[[1]], 2] }),
      "limits",
    );
    expect(atLimit.status).not.toBe(400);
    const deeper = await execute(
      server.url,
      JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [[[[1]]], 2] }),
      "limits",
    );
    expect(deeper.status).toBe(400);
    expect(JSON.stringify(deeper.body)).toContain("3 levels");
    const larger = await execute(
      server.url,
      JSON.stringify({ cid: "glyph://calculator@quantum", inputs: Array(10).fill(1) }),
      "limits",
    );
    expect(larger.status).toBe(400);
    expect(larger.body.details).toEqual([
      expect.objectContaining({ path: "inputs", code: "too_big" }),
    ]);
    expect(JSON.stringify(larger.body)).toContain("RELAY_MAX_INPUT_VALUES");
  });
});
