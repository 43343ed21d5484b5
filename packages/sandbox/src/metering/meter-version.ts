/**
 * The version of what metering emits and charges: it changes whenever the same module, entry
 * and inputs could be charged a different amount of gas (the rewriter's output or the cost
 * table). Results recorded under one version (the relay's result cache) are not answers under
 * another, so the server puts it into the result cache's scope.
 *
 * `meter-output-digests.test.ts` pins the rewriter's output to this number: a change of the
 * recorded digests must come with a new version.
 *
 * History: 1 — the hardening's store-through counter (issue 12); 2 — issue 14's lower-overhead
 * rewriter (counter stored only before observable instructions, by-value calls, merged blocks).
 */
export const METER_VERSION = 2;
