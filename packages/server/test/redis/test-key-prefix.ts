import { randomBytes } from "node:crypto";

/** A Redis key prefix no other test (nor the relay itself) uses: the shared Redis is never flushed. */
export function testKeyPrefix(label: string): string {
  return `test:${label}:${randomBytes(4).toString("hex")}:`;
}
