// @ts-check
// Worker thread that runs one fuzz execution: instantiates a module (original or metered),
// calls every exported function in order with the given arguments and reports what it saw.
// Plain JavaScript so that vitest and the bundled fuzz program can both start it unchanged;
// the parent kills the thread when a run exceeds its wall-clock limit.
import { createHash } from "node:crypto";
import { parentPort } from "node:worker_threads";

/** Import calls kept per run; later ones are only counted. */
const MAX_EVENTS = 100_000;

/** Thrown by the host imports for calls the host cannot serve (deterministic in both runs). */
class HostError extends Error {
  name = "HostError";
}

/**
 * A value as a comparable string: numbers keep -0 and NaN, bigints get an `n`, references
 * are described by kind only.
 * @param {unknown} value
 * @returns {string}
 */
function describeValue(value) {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[${value.map(describeValue).join(",")}]`;
  if (typeof value === "function") return "funcref";
  return "externref";
}

/**
 * @param {unknown} error
 * @returns {boolean}
 */
function isStackOverflow(error) {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * @param {unknown} error
 * @returns {string}
 */
function describeError(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `thrown ${describeValue(error)}`;
}

/**
 * The gas host: hands out `budget` in chunks of `chunk`, like the sandbox's GasAccount, but in
 * bigints so no rounding hides a difference. Records the overshoot when it refuses.
 */
class GasHost {
  /**
   * @param {bigint} budget
   * @param {bigint} chunk
   */
  constructor(budget, chunk) {
    this.budget = budget;
    this.chunk = chunk;
    this.granted = 0n;
    this.exhausted = false;
    /** Gas counted past the budget when the refill was refused. @type {bigint | undefined} */
    this.overshoot = undefined;
    this.refills = 0;
    /** Wasm function indices on top of the stack at the refusal, innermost first. @type {number[]} */
    this.refusalFrames = [];
  }

  /**
   * @param {bigint} counter
   * @returns {bigint}
   */
  refill = (counter) => {
    this.refills++;
    let value = counter;
    while (value < 0n && this.granted < this.budget) {
      const remaining = this.budget - this.granted;
      // biome-ignore lint/complexity/useMathMinMax: bigints, which Math.min does not take
      const chunk = remaining < this.chunk ? remaining : this.chunk;
      this.granted += chunk;
      value += chunk;
    }
    if (value < 0n && !this.exhausted) {
      this.exhausted = true;
      this.overshoot = -value;
      // Which wasm functions asked: tells a refused pre-charge of a bulk operation (asked by a
      // metering helper) from gas already spent by the module's own code.
      const frames = String(new Error().stack).matchAll(/wasm-function\[(\d+)\]/g);
      this.refusalFrames = [...frames].slice(0, 4).map((match) => Number(match[1]));
    }
    return value;
  };
}

/**
 * Runs one job.
 * @param {import("./execution-job.js").ExecutionJob} job
 * @returns {import("./execution-job.js").ExecutionObservation}
 */
function run(job) {
  /** @type {string[]} */
  const events = [];
  let droppedEvents = 0;
  /** @param {string} event */
  const record = (event) => {
    if (events.length < MAX_EVENTS) events.push(event);
    else droppedEvents++;
  };
  /** @type {import("./execution-job.js").CallRecord[]} */
  const calls = [];
  /** @type {string | undefined} */
  let inconclusive;
  const gas = job.gas ? new GasHost(BigInt(job.gas.budget), BigInt(job.gas.chunk)) : undefined;
  /** @type {WebAssembly.Instance | undefined} */
  let instance;
  const functionExports = job.exports;

  let caught = 0;
  /** @param {unknown} error */
  const noteCaught = (error) => {
    if (gas?.exhausted) throw error;
    caught++;
    if (isStackOverflow(error)) inconclusive ??= "stack overflow inside a caught call";
  };
  /**
   * @param {number} index
   * @returns {(...args: unknown[]) => unknown}
   */
  const exportAt = (index) => {
    const entry = functionExports[index >>> 0];
    if (!entry || !instance) throw new HostError(`no function export ${index}`);
    const target = /** @type {(...args: unknown[]) => unknown} */ (instance.exports[entry.name]);
    return () => target(...entry.args);
  };
  /**
   * @param {unknown} reference
   * @returns {() => unknown}
   */
  const callable = (reference) => {
    if (typeof reference !== "function") throw new HostError("call-ref of a non-function");
    return () => /** @type {() => unknown} */ (reference)();
  };
  /**
   * @param {() => unknown} body
   * @returns {number}
   */
  const catching = (body) => {
    try {
      body();
      return 0;
    } catch (error) {
      noteCaught(error);
      return 1;
    }
  };
  /** @type {Record<string, (...args: any[]) => unknown>} */
  const support = {
    "call-export": (index, flags) => {
      record(`call-export(${index},${flags})`);
      if ((flags & 1) === 0) return void exportAt(index)();
      catching(exportAt(index));
    },
    "call-export-catch": (index) => {
      record(`call-export-catch(${index})`);
      return catching(() => exportAt(index)());
    },
    "call-ref": (reference, flags) => {
      record(`call-ref(${flags})`);
      if ((flags & 1) === 0) return void callable(reference)();
      catching(callable(reference));
    },
    "call-ref-catch": (reference) => {
      record("call-ref-catch");
      return catching(() => callable(reference)());
    },
    throw: (value) => {
      record(`throw(${describeValue(value)})`);
      throw new HostError(`thrown by the module: ${describeValue(value)}`);
    },
  };

  /** @type {WebAssembly.Imports} */
  const imports = {};
  for (const entry of job.imports) {
    const namespace = imports[entry.module] ?? {};
    imports[entry.module] = namespace;
    if (job.gas && entry.module === job.gas.refillModule && entry.name === job.gas.refillName) {
      namespace[entry.name] = /** @type {GasHost} */ (gas).refill;
      continue;
    }
    if (entry.kind === "global") {
      namespace[entry.name] = entry.valueType === "externref" ? { fuzz: "externref" } : null;
      continue;
    }
    if (entry.kind !== "function") continue; // tables and memories: instantiation fails alike
    const special = entry.module === "fuzzing-support" ? support[entry.name] : undefined;
    const results = entry.results ?? [];
    namespace[entry.name] =
      special ??
      ((/** @type {unknown[]} */ ...args) => {
        record(`${entry.module}.${entry.name}(${args.map(describeValue).join(",")})`);
        if (results.length === 0) return undefined;
        const zero = results.map((type) =>
          type === "i64" ? 0n : type === "funcref" || type === "externref" ? null : 0,
        );
        return zero.length === 1 ? zero[0] : zero;
      });
  }

  const gasSpent = () => {
    if (!gas || !instance) return undefined;
    const counter = /** @type {WebAssembly.Global} */ (instance.exports[job.gas?.exportName ?? ""]);
    return String(gas.granted - /** @type {bigint} */ (counter.value));
  };

  /** @type {string | undefined} */
  let instantiateError;
  try {
    const module = new WebAssembly.Module(job.bytes);
    instance = new WebAssembly.Instance(module, imports);
  } catch (error) {
    if (isStackOverflow(error)) inconclusive ??= "stack overflow in the start function";
    instantiateError = gas?.exhausted ? "out of gas" : describeError(error);
  }
  if (instance) {
    for (const entry of functionExports) {
      const target = /** @type {(...args: unknown[]) => unknown} */ (instance.exports[entry.name]);
      record(`> ${entry.name}`);
      caught = 0;
      /** @type {import("./execution-job.js").CallRecord} */
      let call;
      try {
        call = { name: entry.name, outcome: "value", detail: describeValue(target(...entry.args)) };
      } catch (error) {
        if (isStackOverflow(error)) inconclusive ??= `stack overflow in ${entry.name}`;
        call = { name: entry.name, outcome: "trap", detail: describeError(error) };
        if (gas?.exhausted) call = { name: entry.name, outcome: "out-of-gas", detail: "" };
      }
      const spent = gasSpent();
      if (spent !== undefined) call.gasAfter = spent;
      if (caught > 0) call.caught = caught;
      caught = 0;
      calls.push(call);
      if (call.outcome === "out-of-gas") break;
    }
  }

  /** @type {string[]} */
  const state = [];
  if (instance) {
    for (const [name, value] of Object.entries(instance.exports)) {
      if (name === job.gas?.exportName) continue;
      if (value instanceof WebAssembly.Memory) {
        const bytes = new Uint8Array(value.buffer);
        const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
        state.push(`memory ${name}: ${bytes.length} bytes ${digest}`);
      } else if (value instanceof WebAssembly.Global) {
        let shown;
        try {
          shown = describeValue(value.value);
        } catch {
          shown = "v128";
        }
        state.push(`global ${name}: ${shown}`);
      } else if (value instanceof WebAssembly.Table) {
        state.push(`table ${name}: ${value.length}`);
      }
    }
  }

  /** @type {import("./execution-job.js").ExecutionObservation} */
  const observation = { instantiateError, calls, events, droppedEvents, state };
  if (inconclusive) observation.inconclusive = inconclusive;
  if (gas) {
    observation.exhausted = gas.exhausted;
    observation.refills = gas.refills;
    if (gas.overshoot !== undefined) observation.overshoot = String(gas.overshoot);
    observation.refusalFrames = gas.refusalFrames;
  }
  return observation;
}

parentPort?.on("message", (/** @type {{ id: number, job: any }} */ message) => {
  let reply;
  try {
    reply = { id: message.id, observation: run(message.job) };
  } catch (error) {
    reply = { id: message.id, failure: describeError(error) };
  }
  parentPort?.postMessage(reply);
});
