import { canonicalJson } from "../hashing/canonical-json.js";
import { sha256Hex } from "../hashing/sha256.js";
import type { JsonValue } from "../schemas/json-value.js";

/** What a deterministic question is made of: nothing about the caller. */
export interface QuestionParts {
  /** The module's fingerprint (or, when it has none, its CID). */
  module: string;
  /** Export called. @default "main" */
  entry?: string | undefined;
  /** Calling convention, when the caller chose one. */
  abi?: string | undefined;
  /** Inputs as sent (canonicalised here). */
  inputs: JsonValue;
}

/**
 * The seed of a deterministic run (64 hex digits): SHA-256 of the canonical JSON (RFC 8785)
 * of `{"abi": abi or null, "entry": entry or "main", "inputs": inputs, "module": module}`.
 * It names the question, not who asks, so every caller's run sees the same clocks and random
 * bytes (docs/determinism.md).
 */
export function deterministicSeed(parts: QuestionParts): Promise<string> {
  return sha256Hex(
    canonicalJson({
      abi: parts.abi ?? null,
      entry: parts.entry ?? "main",
      inputs: parts.inputs,
      module: parts.module,
    }),
  );
}

/**
 * The result-cache key of a question: `v1:<scope>:<seed>`, where `scope` names whatever else
 * decides results (the executor's output limits, metering version…) so that relays configured
 * differently never share entries. The seed is already a hash of the question, so the key costs
 * no second digest.
 */
export function resultCacheKey(seed: string, scope: string): string {
  return `v1:${scope}:${seed}`;
}
