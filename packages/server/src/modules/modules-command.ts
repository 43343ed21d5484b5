import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  createMemoryGlyphRegistry,
  createMemoryModuleStore,
  GLYPH_PATTERN,
  type GlyphRegistry,
} from "@wasm-relay/core";
import {
  type CommandOutput,
  parseCommandArguments,
  processCommandOutput,
} from "../command-output.js";
import { ConfigurationError, loadServerConfig } from "../config/server-config.js";
import { createRedisClient } from "../redis/create-redis-client.js";
import { createFileGlyphRegistry } from "./file-glyph-registry.js";
import { createFilesystemModuleStore } from "./filesystem-module-store.js";
import { isWebAssembly } from "./is-web-assembly.js";
import { createLayeredModuleResolver } from "./layered-module-resolver.js";
import { OPERATOR_USER_ID } from "./operator-user.js";
import { createRedisGlyphRegistry } from "./redis-glyph-registry.js";

const USAGE = `usage:
  relay-server modules add FILE [--name NAME@TAG] [--owner USER]
  relay-server modules --help
Stores FILE in RELAY_MODULE_STORE_DIR (when set) and prints its CID (CIDv1, raw).
--name publishes glyph://NAME@TAG in RELAY_GLYPH_REGISTRY_FILE, or in Redis when REDIS_URL is set,
owned by USER (default ${OPERATOR_USER_ID}).`;

/**
 * `relay-server modules add FILE [--name NAME@TAG]`: validates a WebAssembly file, stores it
 * where the server will look (`RELAY_MODULE_STORE_DIR`), optionally publishes a glyph name, and
 * prints the CID on stdout. Usable before the server starts.
 * @param args the arguments after `modules`.
 * @param environment the server's environment variables.
 * @returns the exit code: 0 done, 64 usage error, 65 bad module, 78 bad configuration, 1 failure.
 */
export async function runModulesCommand(
  args: readonly string[],
  environment: Record<string, string | undefined>,
  output: CommandOutput = processCommandOutput,
): Promise<number> {
  const parsed = parseCommandArguments(parse, args, "modules", USAGE, output);
  if (parsed === undefined) return 64;
  const { values, positionals } = parsed;
  const [command, file, ...rest] = positionals;
  if (values.help || command === "help") {
    output.stdout(`${USAGE}\n`);
    return 0;
  }
  if (command !== "add" || !file || rest.length > 0) {
    output.stderr(`${USAGE}\n`);
    return 64;
  }
  let glyph: { name: string; tag: string } | undefined;
  if (values.name !== undefined) {
    const match = GLYPH_PATTERN.exec(`glyph://${values.name}`);
    if (!match?.groups) {
      output.stderr(`relay-server modules add: --name ${values.name} is not a valid NAME@TAG\n`);
      return 64;
    }
    glyph = { name: match.groups.name!, tag: match.groups.tag! };
  }
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig(environment);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      output.stderr(`relay-server modules: ${error.message}\n`);
      return 78;
    }
    throw error;
  }

  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (error) {
    output.stderr(`relay-server modules add: cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  if (bytes.length === 0 || bytes.length > config.RELAY_MAX_MODULE_BYTES) {
    output.stderr(
      `relay-server modules add: ${file} has ${bytes.length} bytes; modules have 1 to ${config.RELAY_MAX_MODULE_BYTES} (RELAY_MAX_MODULE_BYTES)\n`,
    );
    return 65;
  }
  if (!isWebAssembly(bytes)) {
    output.stderr(`relay-server modules add: ${file} is not a valid WebAssembly module\n`);
    return 65;
  }

  const redis =
    glyph && !config.RELAY_GLYPH_REGISTRY_FILE && config.REDIS_URL
      ? createRedisClient(config.REDIS_URL, { commandTimeoutMs: 5_000 })
      : undefined;
  try {
    if (redis && redis.status !== "ready") {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Redis at ${config.REDIS_URL} did not answer within 5 s`)),
          5_000,
        );
        redis.once("ready", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    let registry: GlyphRegistry;
    if (config.RELAY_GLYPH_REGISTRY_FILE) {
      registry = await createFileGlyphRegistry(config.RELAY_GLYPH_REGISTRY_FILE);
    } else if (redis) {
      registry = createRedisGlyphRegistry({ redis, keyPrefix: config.REDIS_KEY_PREFIX });
    } else {
      if (glyph) {
        output.stderr(
          "relay-server modules add: set RELAY_GLYPH_REGISTRY_FILE or REDIS_URL to publish a name\n",
        );
        return 64;
      }
      registry = createMemoryGlyphRegistry();
    }
    const store = config.RELAY_MODULE_STORE_DIR
      ? await createFilesystemModuleStore({ directory: config.RELAY_MODULE_STORE_DIR })
      : createMemoryModuleStore();
    const resolver = createLayeredModuleResolver({ store, registry, cacheBytes: 0 });
    const added = await resolver.add(bytes);
    output.stdout(`${added.cid}\n`);
    output.stderr(
      `${file}: ${added.size} bytes; also known as ${added.aliases.join(", ") || "nothing else"}\n`,
    );
    output.stderr(
      config.RELAY_MODULE_STORE_DIR
        ? `${added.created ? "stored in" : "already in"} ${config.RELAY_MODULE_STORE_DIR}\n`
        : "RELAY_MODULE_STORE_DIR is unset: nothing stored (upload with POST /modules instead)\n",
    );
    if (glyph) {
      const owner = values.owner ?? OPERATOR_USER_ID;
      const result = await registry.publish({ ...glyph, cid: added.cid, userId: owner });
      if (!result.published) {
        output.stderr(
          `relay-server modules add: ${glyph.name} belongs to ${result.owner}, not ${owner}\n`,
        );
        return 1;
      }
      output.stderr(`published glyph://${glyph.name}@${glyph.tag} (owner ${owner})\n`);
    }
    return 0;
  } catch (error) {
    output.stderr(`relay-server modules add: ${(error as Error).message}\n`);
    return 1;
  } finally {
    redis?.disconnect();
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      name: { type: "string" },
      owner: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
