import { z } from "zod";

const ROLE = /^[A-Za-z0-9._:@-]{1,64}$/;

/**
 * Parses `RELAY_RATE_LIMIT_BY_ROLE`: comma-separated `role=limit` pairs such as
 * `admin=1000,batch=100` (requests per rate window). The highest limit among a caller's roles
 * applies; callers without a listed role keep `RELAY_RATE_LIMIT`.
 * @returns the limits by role, or an error message naming the bad pair.
 */
export function parseRateLimitByRole(
  text: string,
): { ok: true; limits: Record<string, number> } | { ok: false; message: string } {
  // No prototype: a role named `constructor` must not find Object's members.
  const limits: Record<string, number> = Object.create(null);
  for (const rawPair of text.split(",")) {
    const pair = rawPair.trim();
    if (pair === "") continue;
    const match = /^([^=\s]+)\s*=\s*(\d+)$/.exec(pair);
    if (!match || !ROLE.test(match[1]!)) {
      return { ok: false, message: `"${pair}" is not role=limit (e.g. admin=1000)` };
    }
    const limit = Number(match[2]);
    if (!Number.isSafeInteger(limit) || limit < 1) {
      return { ok: false, message: `"${pair}": the limit must be a whole number of at least 1` };
    }
    if (Object.hasOwn(limits, match[1]!))
      return { ok: false, message: `role "${match[1]}" is listed twice` };
    limits[match[1]!] = limit;
  }
  return { ok: true, limits };
}

/** Zod schema of `RELAY_RATE_LIMIT_BY_ROLE`. @default {} */
export const rateLimitByRoleSchema = z
  .string()
  .default("")
  .transform((text, context) => {
    const parsed = parseRateLimitByRole(text);
    if (parsed.ok) return parsed.limits;
    context.addIssue({ code: "custom", message: `RELAY_RATE_LIMIT_BY_ROLE: ${parsed.message}` });
    return z.NEVER;
  });
