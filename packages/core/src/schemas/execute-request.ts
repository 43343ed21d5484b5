import { z } from "zod";
import { jsonValueSchema } from "./json-value.js";
import { moduleReferenceSchema } from "./module-reference.js";
import { requestedPolicySchema } from "./policy.js";

/**
 * The calling conventions the relay knows. `numeric`: exported function; `wasi`: WASI preview1
 * command (JSON inputs on stdin, stdout parsed as JSON); `cgi`: a WASI preview1 command run as a
 * CGI script, the way WAGI runs one (inputs {@link cgiInputsSchema}: the environment and the
 * request body; output: the raw stdout, base64). Function endpoints (`/fn/…`) use it for WASI
 * modules.
 */
export const abiSchema = z.enum(["numeric", "wasi", "cgi"]);

/** A calling convention. */
export type Abi = z.infer<typeof abiSchema>;

/**
 * How urgently an execution should run: `high` goes ahead of `normal`, which goes ahead of
 * `low`, in the queue of whichever executor runs it. Which priorities a caller may use is the
 * authorizer's decision.
 */
export const executionPrioritySchema = z.enum(["high", "normal", "low"]);

/** One of the {@link executionPrioritySchema} priorities. */
export type ExecutionPriority = z.infer<typeof executionPrioritySchema>;

/** Most environment variables of a `cgi` run. */
export const MAX_CGI_VARIABLES = 256;

/**
 * The inputs of a `cgi` run: the CGI environment (`REQUEST_METHOD`, `PATH_INFO`, `HTTP_*`, …) and
 * the request body, base64 (standard alphabet, padded), which the module reads on stdin.
 */
export const cgiInputsSchema = z
  .object({
    environment: z
      .record(
        z
          .string()
          .min(1)
          .max(256)
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name ([A-Za-z_][A-Za-z0-9_]*)"),
        z
          .string()
          .max(65_536)
          .refine((value) => !value.includes("\u0000"), "must not contain NUL"),
      )
      .refine((value) => Object.keys(value).length <= MAX_CGI_VARIABLES, {
        message: `at most ${MAX_CGI_VARIABLES} variables`,
      }),
    body: z
      .string()
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64")
      .default(""),
  })
  .strict();

/** The inputs of a `cgi` run. */
export type CgiInputs = z.infer<typeof cgiInputsSchema>;

/** Longest idempotency key, in the body or the `Idempotency-Key` header (it becomes a store key). */
export const LONGEST_IDEMPOTENCY_KEY = 255;

/** Body of `POST /intent/execute-wasm`. */
export const executeRequestSchema = z
  .object({
    /** Module to run: CIDv0, CIDv1 or `glyph://name@tag`. */
    cid: moduleReferenceSchema.meta({
      description: "Module to run: CIDv0 (Qm…), CIDv1 (bafk…, any multibase) or glyph://name@tag.",
    }),
    /** Inputs: the entry's parameters (numeric ABI) or a JSON document (WASI stdin). @default [] */
    inputs: z
      .union([z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)])
      .default([])
      .meta({
        description:
          "The entry's parameters (numeric ABI), or a JSON document passed as stdin (WASI).",
      }),
    /** Resource policy; missing fields take the server defaults. */
    policy: requestedPolicySchema.optional().meta({
      description: "Resource policy; missing fields take the server's defaults.",
    }),
    /** Explicit idempotency key; the `Idempotency-Key` header is also accepted. */
    idempotency_key: z.string().min(1).max(LONGEST_IDEMPOTENCY_KEY).optional().meta({
      description:
        "Explicit idempotency key; the Idempotency-Key header is also accepted. Default: the request's content hash.",
    }),
    /** Export to call with the numeric ABI. @default "main" */
    entry: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^\s]+$/, "must not contain white space")
      .optional()
      .meta({ description: "Export to call with the numeric ABI. Default: main." }),
    /** Calling convention; chosen from the module's imports and exports when absent. */
    abi: abiSchema.optional().meta({
      description: "Calling convention; chosen from the module's imports and exports when absent.",
    }),
    /** Queue priority; the authorizer decides which a caller may use. @default "normal" */
    priority: executionPrioritySchema.default("normal").meta({
      description:
        "Queue priority: high runs ahead of normal, normal ahead of low. Which priorities a caller may use is decided by the authorizer (403 otherwise). Default: normal.",
    }),
    /**
     * `true` (the default): WASI clocks and randomness are derived from the request
     * (docs/determinism.md), so the same question always gets the same answer and may be
     * answered from the result cache. `false`: the module sees real time and real randomness,
     * and the run is never cached.
     * @default true
     */
    deterministic: z.boolean().optional().meta({
      description:
        "Default true: WASI clocks and randomness are derived from the request, so the answer may come from the result cache. false: real time and randomness, never cached.",
    }),
    /**
     * `false`: neither answer this request from the result cache nor store its result.
     * @default true
     */
    cache: z.boolean().optional().meta({
      description:
        "Default true. false: the request is neither answered from the result cache nor stored in it.",
    }),
  })
  .strict()
  .superRefine((request, context) => {
    // A `cgi` run's inputs are its environment and body: checked here, not by the module.
    if (request.abi !== "cgi") return;
    const parsed = cgiInputsSchema.safeParse(request.inputs);
    if (parsed.success) return;
    for (const issue of parsed.error.issues) {
      context.addIssue({ code: "custom", message: issue.message, path: ["inputs", ...issue.path] });
    }
  })
  .meta({ description: "Body of POST /intent/execute-wasm." });

/** A validated execute request (defaults applied). */
export type ExecuteRequest = z.infer<typeof executeRequestSchema>;

/** An execute request as a caller writes it (defaults not yet applied). */
export type ExecuteRequestInput = z.input<typeof executeRequestSchema>;
