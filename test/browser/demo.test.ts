import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScorer } from "../../src/scoring/load-scorer.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { buildService } from "../support/service-process.ts";

/**
 * The demo page (web/, served at /demo) in Debian's Chromium driven by playwright-core,
 * against a real server on a free port over the run's private redis-server: the list the
 * page shows is the one the subscription pushes, so an item whose images are looked at
 * must move up on screen.
 */
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

if (!HAVE_CHROMIUM) {
  console.warn(
    `test/browser/demo.test.ts skipped: no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
  );
}

describe.skipIf(!HAVE_CHROMIUM)("demo page in Chromium", () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    // dist/web, by the build npm start runs (one at a time: other test files build too).
    await buildService();
    // The model `npm start` serves (models/default.json; the hand-weighted one without it).
    server = await startTestServer("redis", {}, { scorer: loadScorer({ MODEL_PATH: undefined }) });
    profile = mkdtempSync(join(tmpdir(), "sessionrank-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1440, height: 1000 },
    });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A new tab that records console errors and uncaught exceptions. */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.origin}${path}`);
    return { page, errors };
  }

  const items = (page: Page) =>
    page.locator("[data-testid=list][data-source=RERANK] [data-testid=item]");
  const rankOf = async (page: Page, id: string) =>
    Number(
      await page.locator(`[data-testid=item][data-item-id="${id}"]`).getAttribute("data-rank"),
    );

  /** Clicks an item's images `times` times, each after the previous event came back. */
  async function lookAtImages(page: Page, id: string, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const done = page.locator('[data-testid=event-log] li[data-status="ok"]');
      const before = await done.count();
      await page
        .locator(`[data-testid=item][data-item-id="${id}"] button[data-action=ITEM_IMAGE]`)
        .click();
      await expect.poll(() => done.count(), { timeout: 10_000 }).toBeGreaterThan(before);
    }
  }

  it("moves an item up when its images are looked at (WebSocket)", async () => {
    const { page, errors } = await open("/demo/");
    await expect.poll(() => items(page).count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
    const id = (await items(page).nth(9).getAttribute("data-item-id"))!;
    expect(await rankOf(page, id)).toBe(10);

    await lookAtImages(page, id, 3);

    await expect.poll(() => rankOf(page, id), { timeout: 10_000 }).toBeLessThan(10);
    const card = page.locator(`[data-testid=item][data-item-id="${id}"]`);
    await expect.poll(() => card.locator(".moved").textContent()).toMatch(/▲\d+|–/);
    await expect.poll(() => page.getByTestId("session-steps").textContent()).toBe("5");
    await expect.poll(() => card.locator(".touch").first().textContent()).toBe("images ×3");

    // The log shows each event's own times, taken where they arrive (the answer's last byte
    // from Resource Timing, the pushed list off the socket), not after the page's render.
    const pushed = page.locator("[data-testid=event-log] li[data-push-ms]");
    await expect.poll(() => pushed.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const figures = await page
      .locator("[data-testid=event-log] li[data-status=ok]")
      .evaluateAll((lis) =>
        lis.map((li) => ({
          text: li.querySelector(".eresult")?.textContent ?? "",
          response: li.getAttribute("data-response-ms"),
          push: li.getAttribute("data-push-ms"),
        })),
      );
    for (const f of figures) {
      expect(f.text).toMatch(/answered in \d+(\.\d)? ms/);
      expect(Number(f.response)).toBeGreaterThanOrEqual(0);
      if (f.push !== null) {
        expect(f.text).toMatch(/list pushed in \d+(\.\d)? ms/);
        expect(Number(f.push)).toBeGreaterThanOrEqual(0);
      }
    }
    console.log(`demo event log: ${figures.map((f) => f.text).join("; ")}`);

    // One more hotel, further down, for the screenshot: it moves up on the last push.
    const other = (await items(page).nth(14).getAttribute("data-item-id"))!;
    await lookAtImages(page, other, 1);
    await expect.poll(() => rankOf(page, other), { timeout: 10_000 }).toBeLessThan(15);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(800); // let the reorder animation settle
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    await page.screenshot({ path: screenshotPath("demo.png") });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("works with subscriptions over SSE too", async () => {
    const { page, errors } = await open("/demo/?transport=sse&search=2");
    await expect.poll(() => items(page).count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(10);
    const id = (await items(page).nth(7).getAttribute("data-item-id"))!;
    await lookAtImages(page, id, 2);
    await expect.poll(() => rankOf(page, id), { timeout: 10_000 }).toBeLessThan(8);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("replays a real session to its final clickout", async () => {
    const { page, errors } = await open("/demo/#replay");
    await page.locator("input[type=range]").focus();
    await page.keyboard.press("End"); // fastest
    await page.getByTestId("replay-play").click();
    await expect
      .poll(() => page.getByTestId("verdict").isVisible(), { timeout: 30_000 })
      .toBe(true);
    const verdict = await page.getByTestId("verdict").textContent();
    expect(verdict).toMatch(/ranked hotel \d+ #\d+/);
    await page.waitForTimeout(600);
    await page.screenshot({ path: screenshotPath("demo-replay.png") });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("counted it all at /metrics", async () => {
    const text = await (await fetch(`${server.origin}/metrics`)).text();
    const value = (re: RegExp) => Number(text.match(re)?.[1] ?? Number.NaN);
    expect(
      value(/^sessionrank_events_total\{type="ITEM_IMAGE",outcome="accepted"\} (\d+)/m),
    ).toBeGreaterThanOrEqual(5);
    expect(value(/^sessionrank_pushes_total (\d+)/m)).toBeGreaterThan(5);
    expect(
      value(/^sessionrank_rescore_duration_seconds_count\{source="RERANK"\} (\d+)/m),
    ).toBeGreaterThan(10);
    expect(text).toMatch(
      /^sessionrank_redis_command_duration_seconds_count\{command="evalsha"\} [1-9]/m,
    );
    expect(text).toMatch(/^sessionrank_model_info\{model="[^"]+",generation="0"\} 1/m);
  });
});

/**
 * Screenshots go to the OS temp dir on every run, and into docs/ (the README's) only with
 * UPDATE_SCREENSHOTS=1, so a test run leaves the work tree clean.
 */
function screenshotPath(name: string): string {
  const dir = process.env.UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs") : tmpdir();
  const path = join(dir, name);
  console.log(`screenshot: ${path}`);
  return path;
}
