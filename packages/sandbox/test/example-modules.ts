import { readFileSync } from "node:fs";
import type { ExecutionTask, Policy } from "@wasm-relay/core";

const examples = new URL("../../../examples/modules/dist/", import.meta.url);

/** Bytes of a built example module (`examples/modules/dist/<name>.wasm`). */
export function exampleModule(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`${name}.wasm`, examples)));
}

/** A generous default policy for tests. */
export const testPolicy: Policy = { max_memory: 16 * 65536, max_gas: 1e9, max_time: 5000 };

/** Builds an execution task around module bytes. */
export function taskFor(
  bytes: Uint8Array,
  inputs: ExecutionTask["inputs"],
  overrides: Partial<Omit<ExecutionTask, "policy">> & { policy?: Partial<Policy> } = {},
): ExecutionTask {
  return {
    requestId: "test",
    module: { cid: "test", bytes },
    inputs,
    ...overrides,
    policy: { ...testPolicy, ...overrides.policy },
  };
}
