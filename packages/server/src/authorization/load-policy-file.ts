import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { isNode, LineCounter, parseDocument } from "yaml";
import type { PolicyDocument } from "./policy-document.js";
import { policyDocumentSchema } from "./policy-document.js";

/**
 * Thrown when a policy file cannot be read, parsed or validated. The message lists every
 * problem as `file:line:column rules[i] ("id").field: message`.
 */
export class PolicyFileError extends Error {
  override readonly name = "PolicyFileError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid policy file ${file}:\n  ${problems.join("\n  ")}`);
  }
}

/**
 * Parses and validates a policy document given as text (JSON, or YAML when `yaml` is true).
 * @param file the name shown in error messages.
 * @throws {@link PolicyFileError} pointing at each bad rule and field.
 */
export function parsePolicyText(text: string, file: string, yaml: boolean): PolicyDocument {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  let value: unknown;
  if (yaml) {
    if (document.errors.length > 0) {
      throw new PolicyFileError(
        file,
        document.errors.map((error) => {
          const position = lineCounter.linePos(error.pos[0]);
          return `${file}${position ? `:${position.line}:${position.col}` : ""}: ${error.message.split("\n")[0]}`;
        }),
      );
    }
    value = document.toJS();
  } else {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new PolicyFileError(file, [`${file}: not JSON: ${(error as Error).message}`]);
    }
  }
  const parsed = policyDocumentSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  // Zod skips the document's own checks while a rule is invalid: report duplicate ids anyway.
  const issues: { path: readonly PropertyKey[]; message: string }[] = [...parsed.error.issues];
  const rules = (value as { rules?: unknown } | null)?.rules;
  if (Array.isArray(rules)) {
    const seen = new Map<unknown, number>();
    rules.forEach((rule: { id?: unknown } | null, index) => {
      const id = rule?.id;
      if (typeof id !== "string") return;
      const first = seen.get(id);
      const message = `duplicate id "${id}" (also rules[${first}])`;
      if (first === undefined) seen.set(id, index);
      else if (!issues.some((issue) => issue.message === message)) {
        issues.push({ path: ["rules", index, "id"], message });
      }
    });
  }

  const locate = (path: readonly PropertyKey[]): string => {
    // JSON is YAML too: the same parse gives line numbers for both, when it succeeded.
    if (document.errors.length > 0) return file;
    for (let length = path.length; length >= 0; length -= 1) {
      const node = document.getIn(path.slice(0, length), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return `${file}:${line}:${col}`;
      }
    }
    return file;
  };
  const problems = issues.map((issue) => {
    const path = issue.path;
    let where = "";
    path.forEach((part, index) => {
      if (typeof part === "number") {
        where += `[${part}]`;
        if (index === 1 && path[0] === "rules" && Array.isArray(rules)) {
          const id = (rules[part] as { id?: unknown } | undefined)?.id;
          if (typeof id === "string") where += ` ("${id}")`;
        }
      } else where += `${where === "" ? "" : "."}${String(part)}`;
    });
    return `${locate(path)} ${where || "(document)"}: ${issue.message}`;
  });
  throw new PolicyFileError(file, problems);
}

/**
 * Reads a policy file: YAML when its name ends in `.yaml` or `.yml`, JSON otherwise.
 * @throws {@link PolicyFileError} when it cannot be read or is invalid.
 */
export async function loadPolicyFile(file: string): Promise<PolicyDocument> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new PolicyFileError(file, [`cannot read: ${(error as Error).message}`]);
  }
  const extension = extname(file).toLowerCase();
  return parsePolicyText(text, file, extension === ".yaml" || extension === ".yml");
}
