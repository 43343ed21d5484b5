import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type ModuleStore, rawCid } from "@wasm-relay/core";

/** Options of {@link createFilesystemModuleStore}. */
export interface FilesystemModuleStoreOptions {
  /** Directory of the store; created when missing. */
  directory: string;
  /**
   * Leftover temporary files older than this are removed at start-up (a crash mid-write
   * leaves them; they are never read). @unit milliseconds @default 3600000
   */
  staleTemporaryMs?: number;
}

/** CIDs (and aliases) are base32/base58 text: anything else is no key of this store. */
const KEY_PATTERN = /^[A-Za-z0-9]{8,128}$/;

const isCode = (error: unknown, code: string) =>
  (error as NodeJS.ErrnoException | undefined)?.code === code;

/**
 * A content-addressed {@link ModuleStore} in a directory:
 * `modules/<last two characters>/<cid>` holds bytes, `aliases/<cid>` the CIDv1 an alias names.
 *
 * Writes are atomic: bytes go to `tmp/` first, are flushed to disk, and only then appear under
 * their final name (a hard link, which never replaces an existing file, or a rename where links
 * are unsupported). A crash leaves at most a temporary file, never a partial module; concurrent
 * writers of the same bytes leave exactly one intact file.
 * @throws Error when the directory cannot be created.
 */
export async function createFilesystemModuleStore(
  options: FilesystemModuleStoreOptions,
): Promise<ModuleStore> {
  const modulesDirectory = join(options.directory, "modules");
  const aliasesDirectory = join(options.directory, "aliases");
  const temporaryDirectory = join(options.directory, "tmp");
  for (const directory of [modulesDirectory, aliasesDirectory, temporaryDirectory]) {
    await mkdir(directory, { recursive: true });
  }
  const staleMs = options.staleTemporaryMs ?? 3_600_000;
  for (const name of await readdir(temporaryDirectory)) {
    const path = join(temporaryDirectory, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > staleMs) await unlink(path).catch(() => undefined);
  }

  const modulePath = (cid: string) => join(modulesDirectory, cid.slice(-2), cid);

  /** Writes `bytes` to a flushed temporary file and returns its path. */
  async function writeTemporary(bytes: Uint8Array): Promise<string> {
    const path = join(temporaryDirectory, `${randomBytes(8).toString("hex")}.tmp`);
    const handle = await open(path, "wx");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(path).catch(() => undefined);
      throw error;
    }
    await handle.close();
    return path;
  }

  /** Publishes a temporary file under `path`; `false` when something is already there. */
  async function publish(temporary: string, path: string, replace: boolean): Promise<boolean> {
    try {
      if (replace) {
        await rename(temporary, path);
        return true;
      }
      try {
        await link(temporary, path);
        return true;
      } catch (error) {
        if (isCode(error, "EEXIST")) return false;
        if (!isCode(error, "EPERM") && !isCode(error, "ENOTSUP")) throw error;
        // No hard links here: rename (atomic; equal bytes replace equal bytes).
        if (await exists(path)) return false;
        await rename(temporary, path);
        return true;
      }
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }

  async function exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch (error) {
      if (isCode(error, "ENOENT")) return false;
      throw error;
    }
  }

  async function readOrUndefined(path: string): Promise<Buffer | undefined> {
    try {
      return await readFile(path);
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined;
      throw error;
    }
  }

  return {
    async put(bytes) {
      const cid = await rawCid(bytes);
      const path = modulePath(cid);
      if (await exists(path)) return { cid, size: bytes.length, created: false };
      await mkdir(join(modulesDirectory, cid.slice(-2)), { recursive: true });
      const created = await publish(await writeTemporary(bytes), path, false);
      return { cid, size: bytes.length, created };
    },
    async get(cid) {
      if (!KEY_PATTERN.test(cid)) return undefined;
      const bytes = await readOrUndefined(modulePath(cid));
      return bytes ? new Uint8Array(bytes) : undefined;
    },
    async has(cid) {
      return KEY_PATTERN.test(cid) && (await exists(modulePath(cid)));
    },
    async addAlias(alias, cid) {
      if (!KEY_PATTERN.test(alias)) throw new Error(`${JSON.stringify(alias)} is not a CID`);
      if (!(KEY_PATTERN.test(cid) && (await exists(modulePath(cid))))) {
        throw new Error(`cannot alias ${alias} to ${cid}: no such module`);
      }
      const temporary = await writeTemporary(new TextEncoder().encode(cid));
      await publish(temporary, join(aliasesDirectory, alias), true);
    },
    async resolveAlias(alias) {
      if (!KEY_PATTERN.test(alias)) return undefined;
      const text = await readOrUndefined(join(aliasesDirectory, alias));
      return text?.toString("utf8");
    },
  };
}
