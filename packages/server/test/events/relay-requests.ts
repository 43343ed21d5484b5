/** Posts an execute request as `userId` and returns the parsed answer. */
export async function execute(
  baseUrl: string,
  userId: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: { request_id: string; success?: boolean } }> {
  const response = await fetch(`${baseUrl}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { request_id: string; success?: boolean },
  };
}

/** A request for the calculator module: `a + b`, quick. */
export const calculator = (a: number, b: number) => ({
  cid: "glyph://calculator@quantum",
  inputs: [a, b],
});

/** A request for the spin module (an endless loop): runs `maxTime` ms, reporting progress. */
export const spin = (maxTime: number, salt = 0) => ({
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: maxTime, max_gas: 1_000_000_000 - salt },
});

let counter = 0;
/** A user id no other test uses. */
export function newUserId(label: string): string {
  counter += 1;
  return `${label}-${counter}-${Date.now().toString(36)}`;
}

/** Checks the order the contract promises for one execution's event types. */
export function isWellOrdered(types: string[], progress: number[]): boolean {
  const terminal = types.filter(
    (type) => type === "execution_complete" || type === "execution_error",
  );
  if (terminal.length !== 1 || types.at(-1) !== terminal[0]) return false;
  if (types[0] !== "execution_queued") return false;
  const startedAt = types.indexOf("execution_started");
  const firstProgress = types.indexOf("execution_progress");
  if (firstProgress >= 0 && (startedAt < 0 || firstProgress < startedAt)) return false;
  return progress.every((value, index) => index === 0 || value >= (progress[index - 1] as number));
}
