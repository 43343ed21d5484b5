import { z } from "zod";

/** Empty text counts as unset, as everywhere in the configuration. */
const emptyIsUnset = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

/**
 * A whole number read from an environment variable, with a default (also when empty).
 * @param name the variable, named in error messages.
 * @param fallback the value when the variable is unset.
 * @param minimum the smallest accepted value.
 * @param maximum the largest accepted value.
 */
export function environmentInteger(
  name: string,
  fallback: number,
  minimum: number,
  maximum = Number.MAX_SAFE_INTEGER,
) {
  return z.preprocess(
    emptyIsUnset,
    z.coerce
      .number({ error: `${name} must be a number` })
      .int(`${name} must be a whole number`)
      .min(minimum, `${name} must be at least ${minimum}`)
      .max(maximum, `${name} must be at most ${maximum}`)
      .default(fallback),
  );
}

/** Free text from an environment variable; empty means unset. */
export const environmentText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

/**
 * A yes/no flag from an environment variable: `true`/`1`/`yes` or `false`/`0`/`no`
 * (any case). @default false
 */
export function environmentFlag(name: string) {
  return z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => ["", "true", "1", "yes", "false", "0", "no"].includes(value), {
      error: `${name} must be true or false`,
    })
    .transform((value) => ["true", "1", "yes"].includes(value))
    .default(false);
}

/** An http(s) URL from an environment variable; empty means unset. */
export function environmentUrl(name: string) {
  return environmentText.pipe(
    z.url({ protocol: /^https?$/, error: `${name} must be an http:// or https:// URL` }).optional(),
  );
}

/**
 * One of a fixed set of words from an environment variable; empty or unset gives `fallback`.
 * @param name the variable, named in error messages.
 */
export function environmentChoice<const Values extends readonly [string, ...string[]]>(
  name: string,
  values: Values,
  fallback: Values[number],
) {
  const list = `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
  return z.preprocess(
    emptyIsUnset,
    z.enum(values, { error: `${name} must be ${list}` }).default(fallback as never),
  );
}
