import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRelayServer } from "@wasm-relay/server";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildWebExample } from "../../../examples/web/build.mjs";

/** Debian's Chromium (`apt-get install -y chromium`); `.ci/run` installs it when missing. */
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));

describe("examples/web in Chromium, served by the real server", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  let context: BrowserContext;
  let page: Page;
  let scratch: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`,
      );
    }
    scratch = await mkdtemp(join(tmpdir(), "wasm-relay-web-"));
    const staticDir = await buildWebExample(join(scratch, "site"));
    relay = await startRelayServer({ staticDir });
    context = await chromium.launchPersistentContext(join(scratch, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    page = await context.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${relay.url}/`);
    await page.waitForSelector("body[data-ready='true']", { timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await relay?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  async function runModule(
    reference: string,
    entry: string,
    inputs: string,
    maxTime = "1000",
    transport: "http" | "websocket" = "http",
  ) {
    await page.selectOption("#transport", transport);
    await page.selectOption("#module", reference);
    await page.selectOption("#entry", entry);
    await page.fill("#inputs", inputs);
    await page.fill("#max-time", maxTime);
    await page.click("#run");
    await page.waitForSelector("#result:not([data-state='running'])", { timeout: 15_000 });
  }

  it("runs a module, shows its output and its events, and keeps a screenshot", async () => {
    await runModule("glyph://calculator@quantum", "main", "5, 3");
    expect(await page.getAttribute("#result", "data-state")).toBe("success");
    expect(await page.textContent("#result")).toBe("Output: 8");
    await page.waitForSelector("#events li[data-type='execution_complete']", { timeout: 5_000 });
    const types = await page.$$eval("#events li", (items) =>
      items.map((item) => (item as HTMLElement).dataset.type),
    );
    expect(types[0]).toBe("execution_queued");
    expect(types.at(-1)).toBe("execution_complete");
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "web-example.png"), fullPage: true });
    expect(existsSync(join(ARTIFACTS, "web-example.png"))).toBe(true);
  });

  it("says in words why a run failed", async () => {
    await runModule("glyph://spin@quantum", "main", "", "100");
    expect(await page.getAttribute("#result", "data-state")).toBe("failure");
    expect(await page.textContent("#result")).toMatch(/ran out of time/);

    await runModule("glyph://trap@quantum", "divide", "7, 0");
    expect(await page.textContent("#result")).toMatch(/crashed/);

    await page.fill("#inputs", "5, three");
    await page.click("#run");
    expect(await page.getAttribute("#result", "data-state")).toBe("error");
    expect(await page.textContent("#result")).toBe("“three” is not a number.");
    await page.screenshot({ path: join(ARTIFACTS, "web-example-errors.png"), fullPage: true });
  });

  it("runs over WebSocket: the same output and events", async () => {
    await runModule("glyph://calculator@quantum", "main", "6, 4", "1000", "websocket");
    expect(await page.getAttribute("#result", "data-state")).toBe("success");
    expect(await page.textContent("#result")).toBe("Output: 10");
    await page.waitForSelector("#events li[data-type='execution_complete']", { timeout: 5_000 });
    expect(await page.$$eval("#events li", (items) => items.length)).toBeGreaterThanOrEqual(3);
  });

  it("cancels a run over WebSocket: the page says so and the relay stopped it", async () => {
    const cancellations = async () => {
      const text = await (await fetch(`${relay.url}/metrics`)).text();
      const line = text.split("\n").find((row) => row.startsWith("relay_cancellations_total"));
      return line ? Number(line.split(" ").at(-1)) : 0;
    };
    const before = await cancellations();
    await page.selectOption("#transport", "websocket");
    await page.selectOption("#module", "glyph://spin@quantum");
    await page.fill("#inputs", "");
    await page.fill("#max-time", "20000");
    await page.click("#run");
    await page.waitForSelector("#events li[data-type='execution_started']", { timeout: 10_000 });
    const startedAt = Date.now();
    await page.click("#cancel");
    await page.waitForSelector("#result:not([data-state='running'])", { timeout: 5_000 });
    expect(await page.textContent("#result")).toBe("The run was cancelled.");
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    const deadline = Date.now() + 5_000;
    while ((await cancellations()) <= before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await cancellations()).toBeGreaterThan(before);
    await page.screenshot({
      path: join(ARTIFACTS, "web-example-websocket-cancel.png"),
      fullPage: true,
    });
  });
});
