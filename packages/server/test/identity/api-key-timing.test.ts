import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingHttpHeaders } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpProblem } from "../../src/http/http-problem.js";
import { createApiKeyAuthenticator } from "../../src/identity/api-key-authenticator.js";
import { readApiKeyFile } from "../../src/identity/api-key-file.js";
import { apiKeyId, generateApiKey, hashApiKey } from "../../src/identity/api-key-format.js";
import { bearerChallenge } from "../../src/identity/bearer-token.js";
import { createApiKey } from "../../src/identity/create-api-key.js";

/**
 * Statistical check that a refused API key's timing does not tell an unknown key from a near
 * miss (a known key with one character changed). 1,000 tries of each, interleaved in random
 * order, compared with a Mann-Whitney U test: the distributions must not differ at |z| ≥ 4.
 * A control runs the same test on a naive check that skips hashing for unknown ids, and must
 * see the difference: the test can fail.
 */
const TRIES = 1000;
const Z_LIMIT = 4;

let directory: string;
let file: string;
const known: string[] = [];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-key-timing-"));
  file = join(directory, "keys.json");
  for (let i = 0; i < 20; i += 1) {
    known.push((await createApiKey({ file, userId: `user-${i}` })).key);
  }
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

type Check = (headers: IncomingHttpHeaders) => Promise<unknown>;

function nearMisses(): string[] {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return Array.from({ length: TRIES }, (_, index) => {
    const key = known[index % known.length]!;
    // Change one character of the secret (never the id), at a varying position.
    const position = key.length - 1 - (index % 40);
    const replacement = alphabet[(alphabet.indexOf(key[position]!) + 1) % alphabet.length]!;
    return flat(key.slice(0, position) + replacement + key.slice(position + 1));
  });
}

const unknownKeys = () => Array.from({ length: TRIES }, () => flat(generateApiKey().key));

/**
 * A flat copy of a string: V8 keeps concatenations as ropes that are flattened on first use,
 * which would time the test's string building instead of the check.
 */
const flat = (text: string) => Buffer.from(text, "utf8").toString("utf8");

/** Times every refusal; both kinds interleaved in random order so that drift hits both alike. */
async function measure(check: Check, firstKeys: string[], secondKeys: string[]) {
  const asHeaders = (key: string) => ({ authorization: flat(`Bearer ${key}`) });
  const first = firstKeys.map(asHeaders);
  const second = secondKeys.map(asHeaders);
  const refusedIn = async (headers: IncomingHttpHeaders) => {
    const started = process.hrtime.bigint();
    const outcome = await check(headers).then(
      () => "accepted",
      (error: unknown) => (error instanceof HttpProblem ? error.problem.status : "crashed"),
    );
    const elapsed = Number(process.hrtime.bigint() - started);
    expect(outcome).toBe(401);
    return elapsed;
  };
  for (let i = 0; i < 300; i += 1) {
    await refusedIn(first[i % first.length]!);
    await refusedIn(second[i % second.length]!);
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < TRIES; i += 1) {
    if (Math.random() < 0.5) {
      a.push(await refusedIn(first[i]!));
      b.push(await refusedIn(second[i]!));
    } else {
      b.push(await refusedIn(second[i]!));
      a.push(await refusedIn(first[i]!));
    }
  }
  return { z: mannWhitneyZ(a, b), medians: [median(a), median(b)] };
}

/** Mann-Whitney U, normal approximation (ties get average ranks): z of sample a against b. */
function mannWhitneyZ(a: number[], b: number[]): number {
  const all = [
    ...a.map((value) => ({ value, a: true })),
    ...b.map((value) => ({ value, a: false })),
  ];
  all.sort((x, y) => x.value - y.value);
  let rankSumA = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.value === all[i]!.value) j += 1;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k += 1) if (all[k]!.a) rankSumA += rank;
    i = j + 1;
  }
  const n1 = a.length;
  const n2 = b.length;
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const deviation = Math.sqrt((n1 * n2 * (n1 + n2 + 1)) / 12);
  return (u - mean) / deviation;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Up to three runs: noise from other processes may spoil one; a real difference spoils all. */
async function anyRun(check: Check, accept: (z: number) => boolean) {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const { z, medians } = await measure(check, unknownKeys(), nearMisses());
    seen.push(`z=${z.toFixed(2)} medians unknown/near-miss=${medians.join("/")} ns`);
    if (accept(z)) return seen;
  }
  throw new Error(`no run passed: ${seen.join("; ")}`);
}

describe("API key refusal timing", () => {
  it("does not tell an unknown key from a near miss over 1,000 tries", async () => {
    const authenticator = await createApiKeyAuthenticator({ file, reloadIntervalMs: 0 });
    const runs = await anyRun(
      (headers) => authenticator.authenticate(headers),
      (z) => Math.abs(z) < Z_LIMIT,
    );
    console.info(runs.join("; "));
    expect(runs.length).toBeGreaterThan(0);
  }, 60_000);

  it("control: the same test sees the difference of a check that skips hashing for unknown ids", async () => {
    const entries = new Map((await readApiKeyFile(file)).map((entry) => [entry.id, entry]));
    const naive: Check = async (headers) => {
      const token = String(headers.authorization).slice(7);
      const entry = entries.get(apiKeyId(token) ?? "");
      if (!entry) throw bearerChallenge("unknown or revoked API key", true);
      if (hashApiKey(token) !== entry.sha256)
        throw bearerChallenge("unknown or revoked API key", true);
      return entry;
    };
    const runs = await anyRun(naive, (z) => Math.abs(z) >= Z_LIMIT);
    console.info(runs.join("; "));
    expect(runs.length).toBeGreaterThan(0);
  }, 60_000);
});
