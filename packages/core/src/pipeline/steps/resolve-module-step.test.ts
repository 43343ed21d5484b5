import { describe, expect, it } from "vitest";
import { createMemoryModuleResolver } from "../../memory/memory-module-resolver.js";
import { METRIC_NAMES } from "../../ports/metrics.js";
import {
  type ModuleResolver,
  ModuleSourceUnavailableError,
  UnsupportedModuleReferenceError,
} from "../../ports/module-resolver.js";
import { executeRequestSchema } from "../../schemas/execute-request.js";
import { isStop } from "./pipeline-context.js";
import { resolveModule } from "./resolve-module-step.js";
import { EMPTY_MODULE, testPorts, validatedContext } from "./step-test-ports.js";

function authorized(cid: string) {
  const context = validatedContext({
    request: executeRequestSchema.parse({ cid, inputs: [5, 3] }),
  });
  return { ...context, authorizedPolicy: context.policy };
}

function failingResolver(error: Error): ModuleResolver {
  return {
    async resolve() {
      throw error;
    },
  };
}

describe("resolveModule", () => {
  it("hashes the resolved content: a glyph name and its CID are one request id", async () => {
    const resolver = createMemoryModuleResolver();
    const cid = await resolver.add(EMPTY_MODULE);
    resolver.tag("calculator", "quantum", cid);
    const { ports } = testPorts({ resolver });
    const byName = await resolveModule(ports, authorized("glyph://calculator@quantum"));
    const byCid = await resolveModule(ports, authorized(cid));
    if (isStop(byName) || isStop(byCid)) throw new Error("stopped");
    expect(byName.resolution).toEqual({ module: { cid, bytes: EMPTY_MODULE } });
    expect(byName.requestId).toMatch(/^[0-9a-f]{64}$/);
    expect(byName.requestId).toBe(byCid.requestId);
  });

  it("keeps a missing module as the resolution's failure (answered later)", async () => {
    const { ports } = testPorts();
    const outcome = await resolveModule(ports, authorized("glyph://missing@v1"));
    if (isStop(outcome)) throw new Error("stopped");
    expect(outcome.resolution).toEqual({
      failure: expect.objectContaining({ name: "ModuleNotFoundError" }),
    });
  });

  it("stops an unsupported reference as invalid (path cid)", async () => {
    const resolver = failingResolver(new UnsupportedModuleReferenceError("x", "not a CID"));
    const { ports, metrics } = testPorts({ resolver });
    expect(await resolveModule(ports, authorized("glyph://calculator@quantum"))).toEqual({
      stop: { kind: "invalid", details: [{ path: "cid", message: "not a CID" }] },
    });
    expect(metrics.count(METRIC_NAMES.invalidRequest)).toBe(1);
  });

  it("stops an unreachable source as module_source_unavailable with its retry delay", async () => {
    const resolver = failingResolver(new ModuleSourceUnavailableError("x", "registry down", 3000));
    const { ports } = testPorts({ resolver });
    expect(await resolveModule(ports, authorized("glyph://calculator@quantum"))).toEqual({
      stop: { kind: "module_source_unavailable", message: "registry down", retryAfterMs: 3000 },
    });
  });

  it("throws any other resolver error on", async () => {
    const { ports } = testPorts({ resolver: failingResolver(new TypeError("bug")) });
    await expect(resolveModule(ports, authorized("glyph://calculator@quantum"))).rejects.toThrow(
      "bug",
    );
  });
});
