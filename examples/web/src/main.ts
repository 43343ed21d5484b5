import {
  createClient,
  type ExecutionEvent,
  generateIdempotencyKey,
  type RelaySession,
} from "@wasm-relay/client";
import { CATALOG } from "./catalog.js";
import { describeError, describeEvent, describeResult, parseInputs } from "./describe.js";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page lacks #${id}`);
  return found as T;
}

const form = element<HTMLFormElement>("run-form");
const moduleSelect = element<HTMLSelectElement>("module");
const entrySelect = element<HTMLSelectElement>("entry");
const description = element<HTMLParagraphElement>("module-description");
const inputsField = element<HTMLInputElement>("inputs");
const maxTimeField = element<HTMLInputElement>("max-time");
const userField = element<HTMLInputElement>("user");
const runButton = element<HTMLButtonElement>("run");
const cancelButton = element<HTMLButtonElement>("cancel");
const transportSelect = element<HTMLSelectElement>("transport");
const resultBox = element<HTMLDivElement>("result");
const eventList = element<HTMLOListElement>("events");
/** One session per page load, sent as the `session_id` identity header. */
const sessionId = generateIdempotencyKey();
/** The WebSocket session, opened at the first run over WebSocket, for one user. */
let socket: { user: string; session: Promise<RelaySession> } | undefined;
/** Aborts the run in progress (the Cancel button). */
let running: AbortController | undefined;

function webSocketSession(user: string): Promise<RelaySession> {
  if (socket?.user !== user) {
    void socket?.session.then((session) => session.close()).catch(() => {});
    const client = createClient({
      baseUrl: "/",
      headers: { user_id: user, session_id: sessionId },
    });
    socket = { user, session: client.connect() };
    // A session that failed to open is opened again at the next run.
    const opened = socket;
    opened.session.catch(() => {
      if (socket === opened) socket = undefined;
    });
  }
  return socket.session;
}

function option(value: string, text: string): HTMLOptionElement {
  const item = document.createElement("option");
  item.value = value;
  item.textContent = text;
  return item;
}

function showModule(): void {
  const module = CATALOG[moduleSelect.selectedIndex] ?? CATALOG[0]!;
  description.textContent = module.description;
  entrySelect.replaceChildren(...module.entries.map((entry) => option(entry.name, entry.label)));
  showEntry();
}

function showEntry(): void {
  const module = CATALOG[moduleSelect.selectedIndex] ?? CATALOG[0]!;
  const entry = module.entries[entrySelect.selectedIndex] ?? module.entries[0]!;
  inputsField.value = entry.defaultInputs;
}

function showResult(state: "running" | "success" | "failure" | "error", text: string): void {
  resultBox.dataset.state = state;
  resultBox.textContent = text;
}

function logEvent(event: ExecutionEvent): void {
  const item = document.createElement("li");
  item.dataset.type = event.type;
  const time = document.createElement("time");
  time.dateTime = event.timestamp;
  time.textContent = new Date(event.timestamp).toLocaleTimeString();
  item.append(time, describeEvent(event));
  eventList.append(item);
}

async function run(): Promise<void> {
  let inputs: number[];
  const maxTime = Number(maxTimeField.value);
  try {
    inputs = parseInputs(inputsField.value);
    if (!Number.isInteger(maxTime) || maxTime < 1) {
      throw new Error("The time limit must be a whole number of milliseconds, at least 1.");
    }
    if (userField.value.trim() === "") throw new Error("Give a name: the relay needs a user.");
  } catch (error) {
    showResult("error", (error as Error).message);
    return;
  }
  const module = CATALOG[moduleSelect.selectedIndex] ?? CATALOG[0]!;
  const client = createClient({
    baseUrl: "/",
    headers: { user_id: userField.value.trim(), session_id: sessionId },
  });
  runButton.disabled = true;
  cancelButton.disabled = false;
  running = new AbortController();
  const signal = running.signal;
  eventList.replaceChildren();
  const over = transportSelect.value === "websocket" ? " over WebSocket" : "";
  showResult(
    "running",
    `Running ${module.title} · ${entrySelect.value}(${inputs.join(", ")})${over}…`,
  );
  const request = {
    cid: module.reference,
    entry: entrySelect.value,
    inputs,
    policy: { max_time: maxTime, ...(module.maxGas ? { max_gas: module.maxGas } : {}) },
  };
  try {
    const result =
      transportSelect.value === "websocket"
        ? await (await webSocketSession(userField.value.trim())).execute(request, {
            onEvent: logEvent,
            signal,
          })
        : await client.execute(request, { onEvent: logEvent, signal });
    showResult(result.success ? "success" : "failure", describeResult(result));
  } catch (error) {
    showResult("error", describeError(error));
  } finally {
    runButton.disabled = false;
    cancelButton.disabled = true;
    running = undefined;
  }
}

moduleSelect.replaceChildren(...CATALOG.map((module) => option(module.reference, module.title)));
moduleSelect.addEventListener("change", showModule);
entrySelect.addEventListener("change", showEntry);
cancelButton.addEventListener("click", () => running?.abort());
form.addEventListener("submit", (event) => {
  event.preventDefault();
  void run();
});
showModule();
document.body.dataset.ready = "true";
