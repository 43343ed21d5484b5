import { parseArgs } from "node:util";
import {
  type CommandOutput,
  parseCommandArguments,
  processCommandOutput,
} from "../command-output.js";
import { readApiKeyFile } from "./api-key-file.js";
import { createApiKey, revokeApiKey } from "./create-api-key.js";

const USAGE = `usage:
  relay-server keys create --user ID [--roles a,b] [--label TEXT] [--file PATH]
  relay-server keys list [--file PATH]
  relay-server keys revoke KEY_ID [--file PATH]
  relay-server keys --help
PATH defaults to RELAY_API_KEYS_FILE.`;

/**
 * `relay-server keys …`: manages the API keys file of `RELAY_AUTH=api-key`. `create` prints the
 * new key once on stdout (only its hash is stored); `list` shows ids, users and roles; `revoke`
 * removes a key. A running server picks changes up within seconds.
 * @param args the arguments after `keys`.
 * @param environment supplies `RELAY_API_KEYS_FILE`.
 * @returns the process exit code: 0 done, 64 usage error, 1 failure.
 */
export async function runKeysCommand(
  args: readonly string[],
  environment: Record<string, string | undefined>,
  output: CommandOutput = processCommandOutput,
): Promise<number> {
  const parsed = parseCommandArguments(parse, args, "keys", USAGE, output);
  if (parsed === undefined) return 64;
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  const file = values.file ?? environment.RELAY_API_KEYS_FILE?.trim();
  if (values.help || command === "help") {
    output.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command === undefined) {
    output.stderr(`${USAGE}\n`);
    return 64;
  }
  if (!file) {
    output.stderr(`relay-server keys: set RELAY_API_KEYS_FILE or pass --file PATH\n${USAGE}\n`);
    return 64;
  }
  try {
    switch (command) {
      case "create": {
        if (!values.user || rest.length > 0) {
          output.stderr(`relay-server keys create: --user ID is required\n${USAGE}\n`);
          return 64;
        }
        const roles = (values.roles ?? "")
          .split(",")
          .map((role) => role.trim())
          .filter(Boolean);
        const { key, entry } = await createApiKey({
          file,
          userId: values.user,
          roles,
          label: values.label,
        });
        output.stdout(`${key}\n`);
        output.stderr(
          `created key ${entry.id} for user ${entry.user_id}${roles.length ? ` (roles ${roles.join(", ")})` : ""} in ${file}\nthe key is shown once and only its hash is stored: keep it now\n`,
        );
        return 0;
      }
      case "list": {
        for (const entry of await readApiKeyFile(file, true)) {
          output.stdout(
            `${entry.id}\t${entry.user_id}\t${entry.roles.join(",") || "-"}\t${entry.created_at ?? "-"}\t${entry.label ?? ""}\n`,
          );
        }
        return 0;
      }
      case "revoke": {
        const [id] = rest;
        if (!id || rest.length > 1) {
          output.stderr(`relay-server keys revoke: give one KEY_ID\n${USAGE}\n`);
          return 64;
        }
        if (!(await revokeApiKey(file, id))) {
          output.stderr(`relay-server keys revoke: no key ${id} in ${file}\n`);
          return 1;
        }
        output.stderr(`revoked key ${id}\n`);
        return 0;
      }
      default:
        output.stderr(`relay-server keys: unknown command ${command}\n${USAGE}\n`);
        return 64;
    }
  } catch (error) {
    output.stderr(`relay-server keys ${command}: ${(error as Error).message}\n`);
    return 1;
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      user: { type: "string" },
      roles: { type: "string" },
      label: { type: "string" },
      file: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
