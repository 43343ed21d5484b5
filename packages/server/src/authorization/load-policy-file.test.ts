import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicyFile, PolicyFileError, parsePolicyText } from "./load-policy-file.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-policy-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFileError);
    return [...(error as PolicyFileError).problems];
  }
  throw new Error("expected a PolicyFileError");
}

describe("policy files", () => {
  it("accepts the issue's example", () => {
    const document = parsePolicyText(
      '{"rules":[{"effect":"allow","principals":["user:alice","role:admin","*"],"actions":["execute_wasm","*"],"resources":["glyph://add@*","bafkreiabc","*"],"caps":{"max_gas":1000000}}]}',
      "policy.json",
      false,
    );
    expect(document.cap_mode).toBe("clamp");
    expect(document.rules[0]?.caps).toEqual({ max_gas: 1000000 });
  });

  it("points at the rule, its id and the line of each problem in JSON", () => {
    const text = `{
  "rules": [
    { "effect": "allow", "principals": ["*"], "actions": ["execute_wasm"], "resources": ["*"] },
    {
      "id": "ops",
      "effect": "permit",
      "principals": ["admins"],
      "actions": ["execute"],
      "resources": [],
      "caps": { "max_gas": -1 }
    },
    { "id": "no-caps-on-deny", "effect": "deny", "principals": ["*"], "actions": ["*"], "resources": ["*"], "caps": { "max_gas": 5 } }
  ]
}`;
    const problems = problemsOf(() => parsePolicyText(text, "policy.json", false));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^policy\.json:6:\d+ rules\[1\] \("ops"\)\.effect: must be "allow" or "deny"$/,
        ),
        expect.stringMatching(
          /^policy\.json:7:\d+ rules\[1\] \("ops"\)\.principals\[0\]: must be "\*", "user:<id>" or "role:<name>"$/,
        ),
        expect.stringMatching(
          /^policy\.json:8:\d+ rules\[1\] \("ops"\)\.actions\[0\]: must be one of execute_wasm/,
        ),
        expect.stringMatching(
          /^policy\.json:9:\d+ rules\[1\] \("ops"\)\.resources: must name at least one resource$/,
        ),
        expect.stringMatching(/^policy\.json:10:\d+ rules\[1\] \("ops"\)\.caps\.max_gas: /),
      ]),
    );
    const deny = problemsOf(() =>
      parsePolicyText(
        '{"rules":[{"id":"d","effect":"deny","principals":["*"],"actions":["*"],"resources":["*"],"caps":{"max_gas":5}}]}',
        "p.json",
        false,
      ),
    );
    expect(deny).toEqual([
      expect.stringMatching(/rules\[0\] \("d"\)\.caps: a deny rule cannot carry caps/),
    ]);
  });

  it("reads YAML, with lines, and refuses unknown members and duplicate ids", async () => {
    const file = join(directory, "policy.yaml");
    await writeFile(
      file,
      [
        "cap_mode: refuse",
        "rules:",
        "  - id: calculators",
        "    effect: allow",
        "    principals: [role:analyst]",
        "    actions: [execute_wasm]",
        "    resources: ['glyph://calculator@*']",
        "    caps: { max_time: 1000 }",
        "  - id: calculators",
        "    effect: deny",
        "    principal: ['*']",
        "    actions: ['*']",
        "    resources: ['*']",
        "",
      ].join("\n"),
    );
    const error = await loadPolicyFile(file).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PolicyFileError);
    const message = (error as Error).message;
    expect(message).toContain(`${file}:9:`);
    expect(message).toContain(
      'rules[1] ("calculators").id: duplicate id "calculators" (also rules[0])',
    );
    expect(message).toMatch(/rules\[1\] \("calculators"\): Unrecognized key: "principal"/);
    expect(message).toMatch(/rules\[1\] \("calculators"\)\.principals: is required/);

    await writeFile(
      file,
      "rules:\n  - effect: allow\n    principals: ['*']\n    actions: ['*']\n    resources: ['*']\n",
    );
    expect((await loadPolicyFile(file)).rules).toHaveLength(1);
  });

  it("reports syntax errors with their position, and unreadable files", async () => {
    expect(problemsOf(() => parsePolicyText("{ rules: [", "p.json", false))[0]).toMatch(
      /^p\.json: not JSON/,
    );
    expect(problemsOf(() => parsePolicyText("rules:\n  - a: [\n", "p.yaml", true))[0]).toMatch(
      /^p\.yaml:\d+:\d+: /,
    );
    await expect(loadPolicyFile(join(directory, "missing.json"))).rejects.toThrow(/cannot read/);
  });
});
