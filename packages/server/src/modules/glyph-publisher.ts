import type { Identity } from "@wasm-relay/core";
import { type HttpProblem, httpProblem } from "../http/http-problem.js";
import { isOperator, isReservedUserId, OPERATOR_USER_ID } from "./operator-user.js";

/** What decides who may publish a glyph name, whatever the authorizer says. */
export interface GlyphPublisherRules {
  /** `RELAY_OPERATOR_ROLE`: its holders publish as {@link OPERATOR_USER_ID}. */
  operatorRole: string;
  /** Names only the operator may publish (the module directory's `glyphs.json` names). */
  reservedNames: ReadonlySet<string>;
}

function refused(type: string, title: string, reason: string): HttpProblem {
  return httpProblem(403, type, title, { detail: reason, reason });
}

/**
 * The owner a caller publishes `name` as, under rules that are not a policy choice:
 * - a caller holding the operator role publishes as {@link OPERATOR_USER_ID}, under any name;
 * - a caller whose user id starts with `relay:` publishes nothing (those ids are the relay's);
 * - a reserved name (the module directory's) is the operator's alone;
 * - `@scope/name` is its scope's alone: only the user whose id is `scope` (or the operator).
 * Ownership of an already claimed name is checked afterwards by the registry, atomically.
 * @throws HttpProblem 403 `reserved-user-id`, `glyph-reserved` or `glyph-scope` naming the rule.
 */
export function glyphPublisher(
  identity: Identity,
  name: string,
  rules: GlyphPublisherRules,
): string {
  if (isOperator(identity, rules.operatorRole)) return OPERATOR_USER_ID;
  if (isReservedUserId(identity.userId)) {
    throw refused(
      "reserved-user-id",
      "Reserved user id",
      `the user id ${JSON.stringify(identity.userId)} is reserved for the relay; operator rights come from the ${JSON.stringify(rules.operatorRole)} role`,
    );
  }
  if (rules.reservedNames.has(name)) {
    throw refused(
      "glyph-reserved",
      "Glyph reserved for the operator",
      `${name} is an operator name (from the module directory); only the operator may publish its tags`,
    );
  }
  if (name.startsWith("@")) {
    const scope = name.slice(1, name.indexOf("/"));
    if (scope !== identity.userId) {
      throw refused(
        "glyph-scope",
        "Scope of another user",
        `names under @${scope}/ belong to the user ${JSON.stringify(scope)}; publish under your own scope (@${identity.userId}/…) or without one`,
      );
    }
  }
  return identity.userId;
}
