import type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
  Policy,
} from "@wasm-relay/core";
import {
  type CapMode,
  DEFAULT_RULE_PRIORITIES,
  type PolicyCaps,
  type PolicyDocument,
} from "./policy-document.js";
import type { Pattern } from "./resource-pattern.js";
import { compilePattern } from "./resource-pattern.js";

interface CompiledRule {
  label: string;
  effect: "allow" | "deny";
  users: Pattern[];
  roles: Pattern[];
  everyone: boolean;
  actions: Set<string> | "all";
  resources: Pattern[];
  caps: PolicyCaps | undefined;
  capMode: CapMode;
  priorities: readonly string[];
}

const POLICY_FIELDS = ["max_memory", "max_gas", "max_time"] as const;

/**
 * "Antigone" from a policy document. A rule matches when one of its principals names the caller
 * (`user:`, `role:` or `*`), one of its actions is the action and one of its resource patterns
 * matches the resource as the caller wrote it. Any matching deny refuses; without a matching
 * allow the answer is deny. Caps of the matching allow rules bound the execution policy: when
 * one rule admits the policy as asked it runs unchanged; otherwise the first clamping rule (in
 * file order) lowers it to its caps, and when every rule refuses the request is denied.
 * Note that the policy judged is the effective one, server defaults included.
 */
export function createPolicyFileAuthorizer(document: PolicyDocument): Authorizer {
  const rules = document.rules.map((rule, index): CompiledRule => {
    const users: Pattern[] = [];
    const roles: Pattern[] = [];
    let everyone = false;
    for (const principal of rule.principals) {
      if (principal === "*") everyone = true;
      else if (principal.startsWith("user:")) users.push(compilePattern(principal.slice(5)));
      else roles.push(compilePattern(principal.slice(5)));
    }
    return {
      label: rule.id !== undefined ? `"${rule.id}"` : `rules[${index}]`,
      effect: rule.effect,
      users,
      roles,
      everyone,
      actions: rule.actions.includes("*") ? "all" : new Set(rule.actions),
      resources: rule.resources.map(compilePattern),
      caps: rule.caps,
      capMode: rule.cap_mode ?? document.cap_mode,
      priorities: rule.priorities ?? DEFAULT_RULE_PRIORITIES,
    };
  });

  const matches = (rule: CompiledRule, request: AuthorizationRequest) =>
    (rule.actions === "all" || rule.actions.has(request.action)) &&
    (rule.everyone ||
      rule.users.some((pattern) => pattern.matches(request.user_id)) ||
      rule.roles.some((pattern) => request.roles.some((role) => pattern.matches(role)))) &&
    rule.resources.some((pattern) => pattern.matches(request.resource));

  return {
    async authorize(request): Promise<AuthorizationDecision> {
      const matching = rules.filter((rule) => matches(rule, request));
      const deny = matching.find((rule) => rule.effect === "deny");
      if (deny) return { allowed: false, reason: `denied by policy rule ${deny.label}` };
      const granting = matching.filter((rule) => rule.effect === "allow");
      if (granting.length === 0) {
        return {
          allowed: false,
          reason: `no policy rule allows ${request.action} on ${request.resource}`,
        };
      }
      // A priority is granted by the rules that list it (by default normal and low).
      const priority = request.context.priority;
      const allows =
        priority === undefined
          ? granting
          : granting.filter((rule) => rule.priorities.includes(priority));
      if (allows.length === 0) {
        return {
          allowed: false,
          reason: `priority "${priority}" is not allowed by policy rule ${granting[0]!.label} (it allows ${granting[0]!.priorities.join(", ")})`,
        };
      }
      const policy = request.context.policy;
      if (!policy) return { allowed: true };
      if (allows.some((rule) => excess(policy, rule.caps).length === 0)) return { allowed: true };
      const clamping = allows.find((rule) => rule.capMode === "clamp");
      if (clamping) return { allowed: true, policy: clamp(policy, clamping.caps) };
      const first = allows[0]!;
      return {
        allowed: false,
        reason: `policy exceeds the caps of rule ${first.label}: ${excess(policy, first.caps).join(", ")}`,
      };
    },
  };
}

function excess(policy: Policy, caps: PolicyCaps | undefined): string[] {
  if (!caps) return [];
  return POLICY_FIELDS.flatMap((field) => {
    const cap = caps[field];
    return cap !== undefined && policy[field] > cap ? [`${field} ${policy[field]} > ${cap}`] : [];
  });
}

function clamp(policy: Policy, caps: PolicyCaps | undefined): Policy {
  const clamped = { ...policy };
  for (const field of POLICY_FIELDS) {
    const cap = caps?.[field];
    if (cap !== undefined && clamped[field] > cap) clamped[field] = cap;
  }
  return clamped;
}
