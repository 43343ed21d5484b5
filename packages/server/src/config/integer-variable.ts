import { z } from "zod";

/**
 * A whole number read from the environment variable `name` (coerced from text), at least
 * `minimum`, `fallback` when unset. Error messages name the variable.
 */
export const integerVariable = (name: string, fallback: number, minimum = 1) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(minimum, `${name} must be at least ${minimum}`)
    .default(fallback);
