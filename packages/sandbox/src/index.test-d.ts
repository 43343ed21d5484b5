import type { ExecutionResult, Executor } from "@wasm-relay/core";
import { expectTypeOf, test } from "vitest";
import {
  createSandboxExecutor,
  limitMemory,
  type MeteredModule,
  meter,
  type SandboxExecutor,
  type SandboxExecutorStats,
} from "./index.js";

test("the public API keeps its shape", () => {
  expectTypeOf(createSandboxExecutor).returns.toEqualTypeOf<SandboxExecutor>();
  expectTypeOf<SandboxExecutor>().toMatchTypeOf<Executor>();
  expectTypeOf<SandboxExecutor["execute"]>().returns.resolves.toEqualTypeOf<ExecutionResult>();
  expectTypeOf<SandboxExecutor["stats"]>().returns.toEqualTypeOf<SandboxExecutorStats>();
  expectTypeOf<SandboxExecutor["close"]>().returns.resolves.toBeVoid();
  expectTypeOf(meter).returns.toEqualTypeOf<MeteredModule>();
  expectTypeOf(meter).parameter(0).toEqualTypeOf<Uint8Array>();
  expectTypeOf(limitMemory).returns.toEqualTypeOf<Uint8Array<ArrayBuffer>>();
});
