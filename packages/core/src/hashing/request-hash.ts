import type { JsonValue } from "../schemas/json-value.js";
import type { Policy } from "../schemas/policy.js";
import { canonicalJson } from "./canonical-json.js";
import { sha256Hex } from "./sha256.js";

/** What a request's content hash covers. */
export interface RequestHashInput {
  /** Who asks: the same content from two users is two requests. */
  userId: string;
  /** Module as resolved for hashing (a CID or a glyph reference). */
  module: string;
  /** Export called, when the caller chose one. */
  entry?: string | undefined;
  /** Calling convention, when the caller chose one. */
  abi?: string | undefined;
  /** Inputs as sent. */
  inputs: JsonValue;
  /** Effective policy (after defaults). */
  policy: Policy;
}

/**
 * The `request_id`: SHA-256 (hex, 64 digits) of the canonical JSON of the user, module,
 * entry, ABI, inputs and effective policy. Key order and number spelling never change it.
 */
export async function hashRequest(input: RequestHashInput): Promise<string> {
  const document: Record<string, JsonValue> = {
    user: input.userId,
    module: input.module,
    inputs: input.inputs,
    policy: input.policy,
  };
  if (input.entry !== undefined) document.entry = input.entry;
  if (input.abi !== undefined) document.abi = input.abi;
  return sha256Hex(canonicalJson(document));
}
