import type { ClientEnvelope } from "@wasm-relay/core";
import { clientEnvelopeSchema, LONGEST_CLOSE_REASON } from "@wasm-relay/core";
import type { RawData } from "ws";

/** A client message read off the wire: its valid envelope, or why it is not one. */
export type ParsedClientMessage =
  | { ok: true; message: ClientEnvelope }
  | { ok: false; reason: string };

/**
 * Reads one client message: text, JSON, and an envelope of the protocol (see
 * `clientEnvelopeSchema`). Never throws; `reason` names what is invalid (the close reason of 4400).
 */
export function parseClientMessage(data: RawData, isBinary: boolean): ParsedClientMessage {
  if (isBinary) return { ok: false, reason: "binary messages are not accepted: send JSON text" };
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString("utf8")
    : Buffer.from(data as ArrayBuffer).toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "message is not JSON" };
  }
  const parsed = clientEnvelopeSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const type = (value as { type?: unknown } | null)?.type;
  const named = typeof type === "string" && type.length <= 32 ? type : "message";
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? issue.path.join(".") : "type";
  const what =
    issue?.code === "invalid_union" && path === "type"
      ? "type must be connection_init, execute, cancel, subscribe, unsubscribe or ping"
      : `${path}: ${issue?.message ?? "invalid"}`;
  return { ok: false, reason: `invalid ${named}: ${what}` };
}

/** `reason` cut to what a close frame can carry (123 bytes of UTF-8, whole characters). */
export function closeReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > LONGEST_CLOSE_REASON) text = text.slice(0, -1);
  return text;
}
