import { readFile } from "node:fs/promises";
import { Writable } from "node:stream";
import { createMemoryModuleResolver, createRelay } from "@wasm-relay/core";
import { createSandboxExecutor } from "@wasm-relay/sandbox";
import { afterAll, describe, expect, it } from "vitest";
import { withExecutionLog } from "../../src/observability/execution-log.js";
import { createRelayLogger, type LogLevel } from "../../src/observability/logger.js";

const executor = createSandboxExecutor({ workers: 1 });
afterAll(() => executor.close());

async function loggedRelay(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  const resolver = createMemoryModuleResolver();
  const bytes = await readFile(
    new URL("../../../../examples/modules/dist/calculator.wasm", import.meta.url),
  );
  resolver.tag("calculator", "quantum", await resolver.add(new Uint8Array(bytes)));
  const logger = createRelayLogger({ level, name: "log-test", destination });
  return { relay: withExecutionLog(createRelay({ executor, resolver }), logger), logger, lines };
}

const identity = { userId: "log-user", roles: [] };

describe("execution log lines", () => {
  it("writes one info line per execution and one warn line per refusal, with the outcome", async () => {
    const { relay, lines } = await loggedRelay("info");
    await relay.execute({ cid: "glyph://calculator@quantum", inputs: [31_337, 1] }, identity);
    await relay.execute({ cid: "glyph://calculator@quantum", inputs: [31_337, 1] }, identity);
    await relay.execute({ cid: "nope" }, identity);
    await relay.execute({ cid: "glyph://absent@quantum" }, identity);
    expect(lines.map((line) => [line.level, line.outcome])).toEqual([
      [30, "success"],
      [30, "replayed"],
      [40, "invalid"],
      [40, "module_not_found"],
    ]);
    expect(lines[0]).toMatchObject({
      name: "log-test",
      event: "execution",
      user_id: "log-user",
      request_id: expect.stringMatching(/^[0-9a-f]{64}$/),
      gas_used: expect.anything(),
      duration_ms: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toMatch(/31337|31338/);
  });

  it("honours the level: warn keeps refusals only", async () => {
    const { relay, lines } = await loggedRelay("warn");
    await relay.execute({ cid: "glyph://calculator@quantum", inputs: [1, 2] }, identity);
    await relay.execute({ cid: "nope" }, identity);
    expect(lines.map((line) => line.outcome)).toEqual(["invalid"]);
  });

  it("removes credentials and payloads from anything logged", async () => {
    const { logger, lines } = await loggedRelay("info");
    logger.info(
      {
        headers: { authorization: "Bearer secret", cookie: "c=1", accept: "*/*" },
        inputs: [1],
        output: 2,
        token: "t",
      },
      "request",
    );
    expect(lines[0]).toMatchObject({ headers: { accept: "*/*" }, msg: "request" });
    expect(JSON.stringify(lines[0])).not.toMatch(/secret|c=1|"inputs"|"output"|"token"/);
  });
});
