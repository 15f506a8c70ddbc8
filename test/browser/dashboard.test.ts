import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { generateImages, PipelineClient, scratchDir, serveDashboard, startLocalStack, type GeneratedFile, type LocalStack } from "@pipeline/local";
import { batchState } from "@pipeline/testkit";
import { wiring } from "@pipeline/wiring";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { FakeOllama, ollamaAnswers } from "../processing/fakeOllama.js";
import { ANY_PORTS, printWarnings, warmContainers } from "../support/startTestStack.js";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase.js";
import { waitFor } from "../support/waitFor.js";
import { buildDashboard } from "./buildDashboard.js";
import { launchChromium, type RunningBrowser } from "./launchChromium.js";

const ARTIFACTS = "test-results";
// Generous: on a busy two-core machine twenty images take seconds through the media step.
const UI_TIMEOUT = 60_000;

/**
 * One upload per worker invocation: each file's outcome commits on its own, so a batch can stop
 * half-way. Twelve workers at most, warm before the tests: room for ten held uploads and two more.
 */
const WORKERS = 12;
const onePerInvocation = { ...wiring, functions: { ...wiring.functions, worker: { ...wiring.functions.worker, batchSize: 1, maxConcurrency: WORKERS } } };

/** The page's DOM as far as the probes below read it: this test's program has no DOM lib. */
interface DomElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
}

interface DomImage {
  complete: boolean;
  naturalWidth: number;
}

/** What a file row shows, read from the page. */
interface Row {
  name: string;
  status: string;
  state: string;
  step: string | null;
  error: string | null;
}

describe("the dashboard in headless Chromium, against the local stack", () => {
  let dir: string;
  let distDir: string;
  let database: TestDatabase;
  let stack: LocalStack;
  let ollama: FakeOllama;
  let browser: RunningBrowser;

  beforeAll(async () => {
    dir = await scratchDir("pipeline-browser-");
    distDir = join(dir, "dist");
    [database, ollama] = await Promise.all([createTestDatabase(), FakeOllama.start(), buildDashboard(distDir), mkdir(ARTIFACTS, { recursive: true })]);
    // The deployed bundles in containers, the worker's real media step asking the stage's AI server.
    stack = await startLocalStack({
      dir,
      ports: ANY_PORTS,
      databaseUrl: database.url,
      pooledDatabaseUrl: database.pooledUrl(),
      wiring: onePerInvocation,
      built: inject("builtFunctions"),
      secrets: { aiBaseUrl: ollama.baseUrl },
      containerLog: printWarnings,
      // Read per request: `stack` is assigned once the gateway (and so its URL) exists.
      staticHandler: serveDashboard({ distDir, wsUrl: () => stack?.endpoints.wsUrl }),
    });
    [browser] = await Promise.all([launchChromium(), warmContainers(stack, "worker", WORKERS)]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await ollama?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Holds the AI server's answer to every description request for one of `files` until the
   * returned function is called: those uploads stay mid-way (thumbnail made, description pending)
   * in their worker containers for as long as the test needs. The worker's prompt names each
   * picture's dimensions, which differ between the generated images.
   */
  const holdDescriptionsOf = async (files: readonly GeneratedFile[]): Promise<() => void> => {
    const held = await Promise.all(
      files.map(async (file) => {
        const { width, height } = await sharp(file.data).metadata();
        return `: ${width}×${height} `;
      }),
    );
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    ollama.use((request, call) => {
      const prompt = String(request.body.prompt ?? "");
      const hold = request.path === "/api/generate" && held.some((dimensions) => prompt.includes(dimensions));
      return { ...ollamaAnswers(request, call), ...(hold ? { until: released } : {}) };
    });
    return release;
  };

  const tokenFor = async (userId: string) => (await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId)).token;

  const pick = (page: Page, files: readonly GeneratedFile[]) =>
    page.setInputFiles(
      "#files",
      files.map((file) => ({ name: file.filename, mimeType: file.type, buffer: file.data })),
    );

  const batchBar = (page: Page, valueNow: number, total: number) =>
    page.locator(`li.batch > [role="progressbar"][aria-valuenow="${valueNow}"][aria-valuemax="${total}"]`).waitFor({ timeout: UI_TIMEOUT });

  const connection = (page: Page, state: string) => page.locator(`#connection[data-state="${state}"]`).waitFor({ timeout: UI_TIMEOUT });

  const rows = (page: Page): Promise<Row[]> =>
    page.locator("li.batch .file").evaluateAll((elements: DomElement[]) =>
      elements.map((element) => ({
        name: element.querySelector(".name")?.textContent ?? "",
        status: element.getAttribute("data-status") ?? "",
        state: element.querySelector(".state")?.textContent ?? "",
        step: element.querySelector('[role="progressbar"]')?.getAttribute("aria-valuenow") ?? null,
        error: element.querySelector(".error")?.textContent ?? null,
      })),
    );

  const counts = async (page: Page) =>
    Object.fromEntries(await page.locator("li.batch [data-count]").evaluateAll((elements: DomElement[]) => elements.map((element) => [element.getAttribute("data-count"), element.textContent])));

  const loadedImages = (page: Page) =>
    page.locator("li.batch .file img").evaluateAll((images: DomImage[]) => images.filter((image) => image.complete && image.naturalWidth > 0).length);

  const connectionsOf = async (userId: string) =>
    (await stack.pipeline.sql.query<{ connection_id: string }>("SELECT connection_id FROM connections WHERE user_id = $1", [userId])).rows.map((row) => row.connection_id);

  it("signs in, uploads 20 picked images as one batch and shows every bar at 100%, every file completed with its thumbnail", async () => {
    // Prepare
    const page = await browser.context.newPage();
    const files = await generateImages(20);
    await page.goto(`${stack.endpoints.httpUrl}/`);
    await page.getByLabel("User name").fill("browser-user");
    await page.getByRole("button", { name: "Sign in" }).click();
    await connection(page, "connected");

    // Act
    await pick(page, files);

    // Assess
    await batchBar(page, 20, 20);
    await waitFor(async () => (await loadedImages(page)) === 20, UI_TIMEOUT, "20 thumbnails");
    const shown = await rows(page);
    expect(shown.map((row) => row.name)).toEqual(files.map((file) => file.filename));
    expect(shown.every((row) => row.status === "completed" && row.state === "completed" && row.step === "4" && row.error === null)).toBe(true);
    expect(await counts(page)).toEqual({ processed: "20 of 20 processed", succeeded: "20 succeeded", failed: "0 failed" });
    expect(await page.locator("li.batch .badge").textContent()).toBe("completed");
    await expect.poll(() => page.locator("#announcer").textContent()).toBe("Batch of 20 files completed: 20 succeeded, 0 failed.");
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-completed.png"), fullPage: true });
    await page.close();
  });

  it("shows the connection cut mid-batch as reconnecting, then catches up from a snapshot to the exact final counts", async () => {
    // Prepare: the first 8 images go through and the 2 unreadable files fail at once; the other 10
    // images wait for the test at the AI server.
    const userId = "reconnect-user";
    const files = await generateImages(18, 2);
    const releaseUploads = await holdDescriptionsOf(files.slice(8, 18));
    const page = await browser.context.newPage();
    // The page's sockets go through the browser untouched, except that while `socketsHeld` is
    // pending a new one stays in its handshake: the page cannot reconnect until the test allows it.
    let socketsHeld: Promise<void> = Promise.resolve();
    await page.routeWebSocket(
      (url) => url.href.startsWith(stack.endpoints.wsUrl),
      async (socket) => {
        await socketsHeld;
        socket.connectToServer();
      },
    );
    await page.goto(`${stack.endpoints.httpUrl}/?token=${await tokenFor(userId)}`);
    await connection(page, "connected");
    expect(page.url()).not.toContain("token=");
    await pick(page, files);
    await batchBar(page, 10, 20);
    const batchId = (await page.locator("li.batch").getAttribute("data-batch-id")) ?? "";

    // Act: cut the page's connection from the server side, keep it from coming back, finish the batch.
    let allowSockets!: () => void;
    socketsHeld = new Promise((resolve) => (allowSockets = resolve));
    const cut = await connectionsOf(userId);
    expect(cut).toHaveLength(1);
    const management = new ApiGatewayManagementApiClient({ endpoint: stack.endpoints.managementEndpoint, region: stack.endpoints.region, credentials: stack.endpoints.credentials });
    for (const id of cut) {
      const deleted = await management.send(new DeleteConnectionCommand({ ConnectionId: id }));
      expect(deleted.$metadata.httpStatusCode).toBe(204);
    }
    management.destroy();
    await connection(page, "reconnecting");
    releaseUploads();
    await waitFor(async () => (await batchState(stack.pipeline.sql, batchId)).status === "completed", UI_TIMEOUT, "the batch to complete");
    const whileOffline = await page.locator("li.batch > [role=progressbar]").getAttribute("aria-valuenow");
    allowSockets();

    // Assess
    expect(whileOffline).toBe("10");
    await connection(page, "connected");
    await batchBar(page, 20, 20);
    expect(await counts(page)).toEqual({ processed: "20 of 20 processed", succeeded: "18 succeeded", failed: "2 failed" });
    expect(await page.locator("li.batch .badge").textContent()).toBe("completed");
    const shown = await rows(page);
    expect(shown.filter((row) => row.status === "completed")).toHaveLength(18);
    const failures = shown.filter((row) => row.status === "failed");
    expect(failures.map((row) => row.name)).toEqual(["not-really-a-photo-1.jpg", "not-really-a-photo-2.jpg"]);
    expect(failures.every((row) => row.state === "failed" && (row.error ?? "").length > 0)).toBe(true);
    expect(await batchState(stack.pipeline.sql, batchId)).toMatchObject({ status: "completed", total: 20, processed: 20, successful: 18, failed: 2 });
    // The uploads that finished while the page was away get their thumbnails from the snapshot.
    await waitFor(async () => (await loadedImages(page)) === 18, UI_TIMEOUT, "18 thumbnails");
    expect(await page.locator("li.batch .file[data-status=failed] img").count()).toBe(0);
    // One socket again, not one per attempt.
    expect(await connectionsOf(userId)).toHaveLength(1);
    expect((await connectionsOf(userId))[0]).not.toBe(cut[0]);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-after-reconnect.png"), fullPage: true });
    await page.close();
  });

  it("lists batches made elsewhere newest first, fills each from a snapshot, and can be driven from the keyboard", async () => {
    // Prepare: two finished batches made by a script, before the page opens.
    const userId = "history-user";
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId);
    const older = await client.submit(await generateImages(2));
    await waitFor(async () => (await batchState(stack.pipeline.sql, older.batchId)).status === "completed", UI_TIMEOUT, "the older batch");
    const newer = await client.submit(await generateImages(3));
    await waitFor(async () => (await batchState(stack.pipeline.sql, newer.batchId)).status === "completed", UI_TIMEOUT, "the newer batch");
    const page = await browser.context.newPage();

    // Act
    await page.goto(`${stack.endpoints.httpUrl}/?token=${client.token}`);
    await connection(page, "connected");
    await page.locator("li.batch .file").nth(4).waitFor({ timeout: UI_TIMEOUT });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");

    // Assess
    expect(await page.locator("li.batch").evaluateAll((cards: DomElement[]) => cards.map((card) => card.getAttribute("data-batch-id")))).toEqual([newer.batchId, older.batchId]);
    const bars = await page.locator("li.batch > [role=progressbar]").evaluateAll((elements: DomElement[]) =>
      elements.map((bar) => [bar.getAttribute("aria-valuemin"), bar.getAttribute("aria-valuenow"), bar.getAttribute("aria-valuemax"), bar.getAttribute("aria-labelledby")]),
    );
    expect(bars).toEqual([
      ["0", "3", "3", `batch-${newer.batchId}`],
      ["0", "2", "2", `batch-${older.batchId}`],
    ]);
    // File names are not in any push: they came from the snapshots.
    expect((await rows(page)).map((row) => row.name)).toEqual(["demo-0001.png", "demo-0002.jpg", "demo-0003.jpg", "demo-0001.png", "demo-0002.jpg"]);
    // Tab order: the sign-out button, then the file picker, whose drop zone shows the focus.
    expect(await page.evaluate("document.activeElement.id")).toBe("files");
    expect(await page.evaluate("getComputedStyle(document.getElementById('drop-zone')).outlineStyle")).toBe("solid");
    await page.close();
  });

  it("shows a running batch's time left, pauses and resumes it from its row, shows a refused control's reason, and cancels another batch", async () => {
    // Prepare: 12 of the 20 images go through, 8 wait at the AI server, as do both files of a
    // second batch a script makes later (ten held: the twelve workers keep two for the rest).
    const userId = "controls-user";
    const images = await generateImages(22);
    const [files, others] = [images.slice(0, 20), images.slice(20)];
    const releaseUploads = await holdDescriptionsOf([...files.slice(12), ...others]);
    const client = await PipelineClient.forDemoUser(stack.endpoints.httpUrl, stack.endpoints.wsUrl, userId);
    const page = await browser.context.newPage();
    const pausedInDatabase = async (batchId: string) =>
      (await stack.pipeline.sql.query<{ paused: boolean }>("SELECT paused_at IS NOT NULL AS paused FROM upload_batches WHERE id = $1", [batchId])).rows[0]?.paused;

    try {
      await page.goto(`${stack.endpoints.httpUrl}/?token=${client.token}`);
      await connection(page, "connected");
      await pick(page, files);
      await batchBar(page, 12, 20);
      const batchId = (await page.locator("li.batch").getAttribute("data-batch-id")) ?? "";
      const card = page.locator(`li.batch[data-batch-id="${batchId}"]`);
      const toggle = card.locator(".controls button").first();

      // Assess: an estimate from the batch's rate so far, and the batch is not paused.
      await expect.poll(() => card.locator(".time-left").textContent(), { timeout: UI_TIMEOUT }).toMatch(/^(less than a minute|about \d+ (min|h)( \d+ min)?) left$/);
      expect(await card.locator(".paused-flag").isVisible()).toBe(false);
      expect(await toggle.textContent()).toBe("Pause");

      // Act: a pause the server refuses (a stand-in answer: the batch really runs) shows its reason.
      await page.route(`**/api/batches/${batchId}/pause`, (route) =>
        route.fulfill({ status: 409, contentType: "application/json", body: JSON.stringify({ error: "already_final", message: `batch ${batchId} is already completed` }) }),
      );
      await toggle.click();

      // Assess
      await expect.poll(() => card.locator(".action-error").textContent(), { timeout: UI_TIMEOUT }).toBe(`Could not pause the batch: batch ${batchId} is already completed`);
      expect(await toggle.isEnabled()).toBe(true);
      expect(await toggle.textContent()).toBe("Pause");
      expect(await pausedInDatabase(batchId)).toBe(false);
      await page.unroute(`**/api/batches/${batchId}/pause`);

      // Act: pause.
      await toggle.click();

      // Assess: shown from the pushed frame; the estimate is gone while paused.
      await card.locator(".paused-flag").waitFor({ state: "visible", timeout: UI_TIMEOUT });
      expect(await card.getAttribute("data-paused")).toBe("true");
      await expect.poll(() => toggle.textContent(), { timeout: UI_TIMEOUT }).toBe("Resume");
      expect(await card.locator(".action-error").isVisible()).toBe(false);
      expect(await card.locator(".time-left").isVisible()).toBe(false);
      expect(await pausedInDatabase(batchId)).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-paused.png"), fullPage: true });

      // Act: resume.
      await toggle.click();

      // Assess
      await card.locator(".paused-flag").waitFor({ state: "hidden", timeout: UI_TIMEOUT });
      await expect.poll(() => toggle.textContent(), { timeout: UI_TIMEOUT }).toBe("Pause");
      expect(await pausedInDatabase(batchId)).toBe(false);

      // Act: a batch made elsewhere appears; cancel it, accepting the confirmation.
      const other = await client.submit(others);
      const otherCard = page.locator(`li.batch[data-batch-id="${other.batchId}"]`);
      await otherCard.locator(".controls button", { hasText: "Cancel" }).waitFor({ timeout: UI_TIMEOUT });
      let question = "";
      page.once("dialog", (dialog) => {
        question = dialog.message();
        void dialog.accept();
      });
      await otherCard.locator(".controls button", { hasText: "Cancel" }).click();

      // Assess
      await expect.poll(() => otherCard.locator(".badge").textContent(), { timeout: UI_TIMEOUT }).toBe("cancelled");
      expect(question).toBe("Cancel this batch? The 2 files not yet processed will not be processed.");
      expect(await otherCard.locator(".controls").isVisible()).toBe(false);
      const { rows: cancelled } = await stack.pipeline.sql.query<{ status: string; error_message: string }>("SELECT status, error_message FROM upload_batches WHERE id = $1", [other.batchId]);
      expect(cancelled[0]).toEqual({ status: "cancelled", error_message: "cancelled by its owner" });
      // The first batch is untouched by the other's cancel.
      expect(await card.getAttribute("data-status")).toBe("processing");

      // Act: the held uploads go on; the resumed batch completes.
      releaseUploads();

      // Assess
      await batchBar(page, 20, 20);
      await expect.poll(() => card.locator(".badge").textContent(), { timeout: UI_TIMEOUT }).toBe("completed");
      expect(await card.locator(".controls").isVisible()).toBe(false);
      expect(await batchState(stack.pipeline.sql, batchId)).toMatchObject({ status: "completed", total: 20, processed: 20, successful: 20 });
    } finally {
      releaseUploads();
      await page.close();
    }
  });
});
