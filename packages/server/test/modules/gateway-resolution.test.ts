import {
  createInMemoryMetrics,
  createMemoryGlyphRegistry,
  createMemoryModuleStore,
  ModuleNotFoundError,
  ModuleVerificationError,
} from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGatewayClient } from "../../src/modules/gateway-client.js";
import { createLayeredModuleResolver } from "../../src/modules/layered-module-resolver.js";
import { type LoopbackGateway, startLoopbackGateway } from "./loopback-gateway.js";
import { carOf, referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

const small = numericModule("add", 2_000, 11);
const large = numericModule("mul", 700 * 1024, 12);

let honest: LoopbackGateway;
let tampering: LoopbackGateway;
let stalling: LoopbackGateway;
let rawSmall: string;
let classicSmall: string;
let classicLarge: string;
let kuboLarge: string;

/** Puts a file's raw block and its classic and kubo CARs on a gateway. */
async function publishOn(gateway: LoopbackGateway, bytes: Uint8Array) {
  const raw = await referenceImport(bytes, "raw");
  gateway.serve(raw.root.toString(), "raw", bytes);
  const roots: string[] = [];
  for (const profile of ["classic", "kubo-cid-v1"] as const) {
    const { root, blocks } = await referenceImport(bytes, profile);
    gateway.serve(root.toString(), "car", await carOf(root, blocks.values()));
    roots.push(root.toString());
  }
  return { raw: raw.root.toString(), classic: roots[0]!, kubo: roots[1]! };
}

beforeAll(async () => {
  [honest, tampering, stalling] = await Promise.all([
    startLoopbackGateway("honest"),
    startLoopbackGateway("tampering"),
    startLoopbackGateway("stalling"),
  ]);
  for (const gateway of [honest, tampering]) {
    const smallCids = await publishOn(gateway, small);
    const largeCids = await publishOn(gateway, large);
    rawSmall = smallCids.raw;
    classicSmall = smallCids.classic;
    classicLarge = largeCids.classic;
    kuboLarge = largeCids.kubo;
  }
});
afterAll(async () => {
  await Promise.all([honest, tampering, stalling].map((gateway) => gateway.close()));
});

function resolverOver(gateways: string[], timeoutMs = 2_000, gatewayMissTtlMs = 0) {
  const metrics = createInMemoryMetrics();
  const store = createMemoryModuleStore();
  const resolver = createLayeredModuleResolver({
    store,
    registry: createMemoryGlyphRegistry(),
    metrics,
    gatewayMissTtlMs,
    gateways: createGatewayClient({
      gateways,
      timeoutMs,
      maxModuleBytes: 2 * 1024 * 1024,
      metrics,
    }),
  });
  return { resolver, store, metrics };
}

describe("resolution from trustless gateways", () => {
  it("fetches a raw block and DAGs (CIDv0 and dag-pb CIDv1, over 256 KiB) and stores them", async () => {
    const { resolver, store, metrics } = resolverOver([honest.url]);
    const fromRaw = await resolver.resolve(rawSmall);
    expect(fromRaw.bytes).toEqual(small);
    expect(fromRaw.cid).toBe(rawSmall);
    const fromClassic = await resolver.resolve(classicLarge);
    expect(fromClassic.bytes).toEqual(large);
    expect(await store.has(fromClassic.cid)).toBe(true);
    // Now local: the kubo CIDv1 of the same bytes resolves without asking the gateway.
    const before = honest.requests.length;
    expect((await resolver.resolve(kuboLarge)).cid).toBe(fromClassic.cid);
    expect(honest.requests.length).toBe(before);
    expect(metrics.count("relay.modules.gateway_fetch")).toBe(2);
  });

  it("rejects tampered bytes, uses the next gateway, and stores only verified bytes", async () => {
    const { resolver, store, metrics } = resolverOver([tampering.url, honest.url]);
    const module = await resolver.resolve(classicSmall);
    expect(module.bytes).toEqual(small);
    expect(tampering.requests.some((path) => path.includes(classicSmall))).toBe(true);
    expect(metrics.count("relay.modules.verification_failed")).toBe(1);
    expect(store.size).toBe(1);
    expect(await store.get(module.cid)).toEqual(small);
  });

  it("answers 422 (verification) when only tampered bytes were found, storing nothing", async () => {
    const { resolver, store } = resolverOver([tampering.url]);
    await expect(resolver.resolve(rawSmall)).rejects.toBeInstanceOf(ModuleVerificationError);
    await expect(resolver.resolve(classicLarge)).rejects.toThrow(/fails verification/);
    expect(store.size).toBe(0);
  });

  it("gives up on a stalled gateway within its bound and moves on", async () => {
    const { resolver } = resolverOver([stalling.url, honest.url], 300);
    const started = performance.now();
    const module = await resolver.resolve(rawSmall);
    const elapsed = performance.now() - started;
    expect(module.bytes).toEqual(small);
    expect(stalling.requests.length).toBeGreaterThan(0);
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2_000);
  });

  it("answers not found when no gateway has the module", async () => {
    const { resolver } = resolverOver([honest.url], 300);
    const unknown = (await referenceImport(numericModule("sub", 10, 99), "raw")).root.toString();
    await expect(resolver.resolve(unknown)).rejects.toBeInstanceOf(ModuleNotFoundError);
    const onlyStalling = resolverOver([stalling.url], 200);
    await expect(onlyStalling.resolver.resolve(unknown)).rejects.toBeInstanceOf(
      ModuleNotFoundError,
    );
  });

  it("refuses verified bytes that are not WebAssembly", async () => {
    const text = new TextEncoder().encode("not a module at all");
    const { root } = await referenceImport(text, "raw");
    honest.serve(root.toString(), "raw", text);
    const { resolver, store } = resolverOver([honest.url]);
    await expect(resolver.resolve(root.toString())).rejects.toThrow(/not a valid WebAssembly/);
    expect(store.size).toBe(0);
  });

  it("remembers a gateway miss for a while, but not against a module added meanwhile", async () => {
    const bytes = numericModule("add", 50, 61);
    const { root } = await referenceImport(bytes, "raw");
    const { resolver } = resolverOver([honest.url], 2_000, 60_000);
    await expect(resolver.resolve(root.toString())).rejects.toBeInstanceOf(ModuleNotFoundError);
    const asked = honest.requests.length;
    honest.serve(root.toString(), "raw", bytes);
    await expect(resolver.resolve(root.toString())).rejects.toBeInstanceOf(ModuleNotFoundError);
    expect(honest.requests.length).toBe(asked);
    await resolver.add(bytes);
    expect((await resolver.resolve(root.toString())).bytes).toEqual(bytes);
  });
});
