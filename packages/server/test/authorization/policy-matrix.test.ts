import type { AuthorizationAction, Policy } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { parsePolicyText } from "../../src/authorization/load-policy-file.js";
import { createPolicyFileAuthorizer } from "../../src/authorization/policy-file-authorizer.js";

const POLICY_YAML = `
rules:
  - id: everyone-calculator
    effect: allow
    principals: ["*"]
    actions: [execute_wasm]
    resources: ["glyph://calculator@*"]
  - id: analysts
    effect: allow
    principals: ["role:analyst"]
    actions: [execute_wasm, read_events]
    resources: ["glyph://*"]
  - id: admins
    effect: allow
    principals: ["role:admin"]
    actions: ["*"]
    resources: ["*"]
  - id: alice-cid
    effect: allow
    principals: ["user:alice"]
    actions: [execute_wasm]
    resources: [bafkreiabc]
  - id: no-spin
    effect: deny
    principals: ["*"]
    actions: [execute_wasm]
    resources: ["glyph://spin@*"]
  - id: publishers
    effect: allow
    principals: ["role:publisher"]
    actions: [upload_module, publish_glyph]
    resources: ["*"]
  - id: banned
    effect: deny
    principals: ["user:mallory"]
    actions: ["*"]
    resources: ["*"]
`;

const USERS: Record<string, string[]> = {
  alice: [],
  bob: ["analyst"],
  carol: ["admin"],
  dave: ["publisher"],
  erin: ["analyst", "publisher"],
  mallory: ["admin"],
};
const RESOURCES = [
  "glyph://calculator@quantum",
  "glyph://spin@quantum",
  "glyph://trap@1",
  "bafkreiabc",
  "bafkreixyz",
];
const ACTIONS: AuthorizationAction[] = [
  "execute_wasm",
  "upload_module",
  "publish_glyph",
  "read_events",
];

/**
 * Written by hand from the rules above, not computed: one row per user, one 4-letter cell per
 * resource (in RESOURCES order); each letter is an action in ACTIONS order (E U P R),
 * `A` allowed, `-` denied.
 */
// biome-ignore format: the table is easier to check aligned
const EXPECTED: Record<string, string[]> = {
  //        calculator  spin    trap    abc     xyz
  alice:   ["A---", "----", "----", "A---", "----"],
  bob:     ["A--A", "---A", "A--A", "----", "----"],
  carol:   ["AAAA", "-AAA", "AAAA", "AAAA", "AAAA"],
  dave:    ["AAA-", "-AA-", "-AA-", "-AA-", "-AA-"],
  erin:    ["AAAA", "-AAA", "AAAA", "-AA-", "-AA-"],
  mallory: ["----", "----", "----", "----", "----"],
};

const POLICY: Policy = { max_memory: 16_777_216, max_gas: 10_000_000, max_time: 5000 };

describe("policy-file authorizer matrix", () => {
  const authorizer = createPolicyFileAuthorizer(parsePolicyText(POLICY_YAML, "matrix.yaml", true));

  it("matches the table for every user × resource × action", async () => {
    const actual: Record<string, string[]> = {};
    for (const [user, roles] of Object.entries(USERS)) {
      actual[user] = [];
      for (const resource of RESOURCES) {
        let cell = "";
        for (const action of ACTIONS) {
          const decision = await authorizer.authorize({
            user_id: user,
            roles,
            action,
            resource,
            context: { session_id: "s", policy: POLICY },
          });
          expect(decision.policy, `${user} ${action} ${resource}`).toBeUndefined();
          cell += decision.allowed ? "A" : "-";
        }
        actual[user]!.push(cell);
      }
    }
    expect(actual).toEqual(EXPECTED);
  });

  it("says which rule denied, or that none allowed", async () => {
    const ask = (user: string, action: AuthorizationAction, resource: string) =>
      authorizer.authorize({ user_id: user, roles: USERS[user]!, action, resource, context: {} });
    expect(await ask("carol", "execute_wasm", "glyph://spin@quantum")).toEqual({
      allowed: false,
      reason: 'denied by policy rule "no-spin"',
    });
    expect(await ask("mallory", "read_events", "glyph://calculator@quantum")).toEqual({
      allowed: false,
      reason: 'denied by policy rule "banned"',
    });
    expect(await ask("alice", "execute_wasm", "bafkreixyz")).toEqual({
      allowed: false,
      reason: "no policy rule allows execute_wasm on bafkreixyz",
    });
  });

  it("denies everything under an empty rule list", async () => {
    const empty = createPolicyFileAuthorizer(parsePolicyText('{"rules":[]}', "empty.json", false));
    const decision = await empty.authorize({
      user_id: "carol",
      roles: ["admin"],
      action: "execute_wasm",
      resource: "glyph://calculator@quantum",
      context: {},
    });
    expect(decision.allowed).toBe(false);
  });
});

describe("policy-file caps", () => {
  const rule = (id: string, principal: string, caps: string, mode = "") =>
    `{"id":"${id}","effect":"allow","principals":["${principal}"],"actions":["execute_wasm"],"resources":["*"],"caps":${caps}${mode ? `,"cap_mode":"${mode}"` : ""}}`;
  const authorize = (document: string, roles: string[], policy: Policy) =>
    createPolicyFileAuthorizer(parsePolicyText(document, "caps.json", false)).authorize({
      user_id: "u",
      roles,
      action: "execute_wasm",
      resource: "glyph://calculator@quantum",
      context: { policy },
    });
  const asked: Policy = { max_memory: 1 << 20, max_gas: 5_000_000, max_time: 5000 };

  it("clamps a policy above the caps (the default) and leaves one within them alone", async () => {
    const document = `{"rules":[${rule("small", "*", '{"max_gas":1000000,"max_time":1000}')}]}`;
    expect(await authorize(document, [], asked)).toEqual({
      allowed: true,
      policy: { max_memory: 1 << 20, max_gas: 1_000_000, max_time: 1000 },
    });
    expect(await authorize(document, [], { ...asked, max_gas: 1000, max_time: 10 })).toEqual({
      allowed: true,
    });
  });

  it("refuses a policy above the caps when the rule or the document says refuse", async () => {
    const perRule = `{"rules":[${rule("strict", "*", '{"max_gas":1000000}', "refuse")}]}`;
    expect(await authorize(perRule, [], asked)).toEqual({
      allowed: false,
      reason: 'policy exceeds the caps of rule "strict": max_gas 5000000 > 1000000',
    });
    const documentWide = `{"cap_mode":"refuse","rules":[${rule("strict", "*", '{"max_time":100}')}]}`;
    expect((await authorize(documentWide, [], asked)).reason).toContain("max_time 5000 > 100");
    expect(await authorize(documentWide, [], { ...asked, max_time: 100 })).toEqual({
      allowed: true,
    });
  });

  it("lets the most generous matching rule decide: uncapped wins, else the first clamping rule", async () => {
    const document = `{"rules":[${rule("refusing", "*", '{"max_gas":10}', "refuse")},${rule("clamping", "*", '{"max_gas":2000000}')},${rule("admins", "role:admin", "{}")}]}`;
    expect(await authorize(document, ["admin"], asked)).toEqual({ allowed: true });
    expect(await authorize(document, [], asked)).toEqual({
      allowed: true,
      policy: { ...asked, max_gas: 2_000_000 },
    });
  });
});
