import { z } from "zod";

/** Actions a rule can name (`*` names them all). */
export const POLICY_ACTIONS = [
  "execute_wasm",
  "upload_module",
  "read_module",
  "publish_glyph",
  "read_events",
  "invoke_function",
] as const;

/** Queue priorities a rule may allow. */
export const POLICY_PRIORITIES = ["high", "normal", "low"] as const;

/** Priorities an allow rule grants when it names none: everything but `high`. */
export const DEFAULT_RULE_PRIORITIES: readonly (typeof POLICY_PRIORITIES)[number][] = [
  "normal",
  "low",
];

/** What happens when a request's policy exceeds a rule's caps. */
export const CAP_MODES = ["clamp", "refuse"] as const;

/** `clamp` (run under the cap) or `refuse` (deny the request). */
export type CapMode = (typeof CAP_MODES)[number];

const PRINCIPAL = /^(\*|user:.+|role:.+)$/;

/** An error message that tells a missing member from a wrong one. */
const expected = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? "is required" : `must be ${what}`;

/** Per-rule upper bounds on the execution policy. */
export const policyCapsSchema = z
  .object({
    /** Most linear memory. @unit bytes */
    max_memory: z.number().int().positive().optional(),
    /** Most gas. */
    max_gas: z.number().int().positive().optional(),
    /** Longest run. @unit milliseconds */
    max_time: z.number().int().positive().optional(),
  })
  .strict();

/** Per-rule upper bounds on the execution policy. */
export type PolicyCaps = z.infer<typeof policyCapsSchema>;

/** One rule of a policy file. */
export const policyRuleSchema = z
  .object({
    /** Name shown in denial reasons and errors. @default its position, `rules[i]` */
    id: z.string().min(1).max(100).optional(),
    /** Free text for people. */
    description: z.string().optional(),
    /** `allow` or `deny`; a matching deny always wins. */
    effect: z.enum(["allow", "deny"], { error: expected('"allow" or "deny"') }),
    /** `user:<id>`, `role:<name>` (both may hold `*` wildcards) or `*` (everyone). */
    principals: z
      .array(z.string().regex(PRINCIPAL, 'must be "*", "user:<id>" or "role:<name>"'), {
        error: expected("a list of principals"),
      })
      .min(1, "must name at least one principal"),
    /** Actions, or `*`. */
    actions: z
      .array(
        z.enum([...POLICY_ACTIONS, "*"], {
          error: `must be one of ${POLICY_ACTIONS.join(", ")} or "*"`,
        }),
        { error: expected("a list of actions") },
      )
      .min(1, "must name at least one action"),
    /** Module references (CIDs, `glyph://name@version`) with `*` wildcards, or `*`. */
    resources: z
      .array(z.string().min(1, "must not be empty"), {
        error: expected("a list of resource patterns"),
      })
      .min(1, "must name at least one resource"),
    /** Upper bounds on the request's policy (allow rules only). */
    caps: policyCapsSchema.optional(),
    /**
     * Queue priorities an `execute_wasm` request may ask for under this rule (allow rules only).
     * @default ["normal", "low"]
     */
    priorities: z
      .array(z.enum(POLICY_PRIORITIES, { error: 'must be "high", "normal" or "low"' }))
      .min(1, "must name at least one priority")
      .optional(),
    /** What a request above the caps gets. @default the document's `cap_mode` */
    cap_mode: z.enum(CAP_MODES, { error: 'must be "clamp" or "refuse"' }).optional(),
  })
  .strict()
  .superRefine((rule, context) => {
    if (rule.effect === "deny" && (rule.caps !== undefined || rule.cap_mode !== undefined)) {
      context.addIssue({
        code: "custom",
        path: [rule.caps !== undefined ? "caps" : "cap_mode"],
        message: "a deny rule cannot carry caps",
      });
    }
    if (rule.effect === "deny" && rule.priorities !== undefined) {
      context.addIssue({
        code: "custom",
        path: ["priorities"],
        message: "a deny rule cannot grant priorities",
      });
    }
  });

/** One rule of a policy file. */
export type PolicyRule = z.infer<typeof policyRuleSchema>;

/** A policy file: `{ "rules": [ … ] }`. */
export const policyDocumentSchema = z
  .object({
    /** Format version. @default 1 */
    version: z.literal(1, { error: "must be 1" }).optional(),
    /** Default of the rules' `cap_mode`. @default "clamp" */
    cap_mode: z.enum(CAP_MODES, { error: 'must be "clamp" or "refuse"' }).default("clamp"),
    /** Rules; nothing matching means deny. */
    rules: z.array(policyRuleSchema, { error: expected("a list of rules") }),
  })
  .strict()
  .superRefine((document, context) => {
    const seen = new Map<string, number>();
    document.rules.forEach((rule, index) => {
      if (rule.id === undefined) return;
      const first = seen.get(rule.id);
      if (first !== undefined) {
        context.addIssue({
          code: "custom",
          path: ["rules", index, "id"],
          message: `duplicate id "${rule.id}" (also rules[${first}])`,
        });
      } else seen.set(rule.id, index);
    });
  });

/** A validated policy file. */
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
