import { requestedPolicySchema } from "@wasm-relay/core";
import { z } from "zod";

/** Methods a function endpoint can be allowed (`HEAD` goes with `GET`). */
export const FUNCTION_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** One method of {@link FUNCTION_METHODS}. */
export type FunctionMethod = (typeof FUNCTION_METHODS)[number];

const parameterName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an identifier ([A-Za-z_][A-Za-z0-9_]*)");

/**
 * What a glyph's owner publishes for the function endpoint of one tag (`/fn/name@tag/…`), as the
 * `function` member of `PUT /glyphs/{name}/{tag}`. Every member is optional; what is missing
 * takes the relay's default.
 */
export const functionSettingsSchema = z
  .object({
    /** Policy of a call that sets none in its query (`?max_gas=…`). @default the server's defaults */
    policy: requestedPolicySchema.optional().meta({
      description:
        "Policy of a call that sets none in its query (`?max_gas=…`); a call's query parameters win, within the caller's caps. Default: the server's defaults.",
    }),
    /** Methods the endpoint answers. @default POST for a numeric module, all for a WASI one */
    methods: z.array(z.enum(FUNCTION_METHODS)).min(1).max(FUNCTION_METHODS.length).optional().meta({
      description:
        "Methods the endpoint answers (HEAD goes with GET); others get 405. Default: POST for a numeric module, all of them for a WASI module.",
    }),
    /** Whether a caller without credentials may invoke. @default false (true with RELAY_AUTH=dev-headers) */
    anonymous: z.boolean().optional().meta({
      description:
        "Whether a caller who sends no credentials may invoke (as the user `anonymous:<address>`, role `anonymous`; the authorizer still decides). Default: false, except with RELAY_AUTH=dev-headers, where identity is self-declared anyway.",
    }),
    /** Named parameters per numeric entry, in order: `{ "main": ["a", "b"] }`. */
    parameters: z
      .record(
        z
          .string()
          .min(1)
          .max(255)
          .regex(/^[^\s]+$/, "must not contain white space"),
        z.array(parameterName).max(1000),
      )
      .refine((value) => Object.keys(value).length <= 256, "at most 256 entries")
      .optional()
      .meta({
        description:
          'Names of the parameters of each numeric entry, in order (`{"main": ["a", "b"]}`): a call may then send a JSON object of named arguments (`{"a": 5, "b": 3}`) instead of an array.',
      }),
  })
  .strict()
  .meta({ description: "Defaults of the function endpoint of one glyph tag (`/fn/name@tag/…`)." });

/** The function endpoint settings of one tag. */
export type FunctionSettings = z.infer<typeof functionSettingsSchema>;
