import type { UploadStage } from "@pipeline/core";
import type { BatchState, UploadState } from "./progressStore.js";
import { formatTimeLeft } from "./timeLeft.js";

export type ThumbnailUrl = (batchId: string, uploadId: string) => string;

/** What the owner can do to an unfinished batch; each rejects with the server's refusal (its message is shown). */
export interface BatchActions {
  pause(batchId: string): Promise<unknown>;
  resume(batchId: string): Promise<unknown>;
  cancel(batchId: string): Promise<unknown>;
}

type Action = keyof BatchActions;

const BUSY_LABEL: Record<Action, string> = { pause: "Pausing…", resume: "Resuming…", cancel: "Cancelling…" };
/**
 * The row shows a batch's state from its pushed frames (they carry the version order), not from
 * the control's answer; until the frame arrives the button stays busy, at most this long.
 */
const AWAIT_FRAME_MILLIS = 10_000;

/** A file's bar counts its finished stages, then its end. */
const FILE_STEPS = 4;
const STAGE_STEP: Record<UploadStage, number> = { thumbnail: 1, description: 2, embedding: 3 };
const STAGE_LABEL: Record<UploadStage, string> = { thumbnail: "thumbnail ready", description: "described", embedding: "indexed" };
const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const byName = new Intl.Collator(undefined, { numeric: true });
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

interface FileRow {
  element: HTMLLIElement;
  thumb: HTMLSpanElement;
  state: UploadState | undefined;
  thumbnailRequested: boolean;
}

/**
 * Draws the batches into a list, newest first. Elements are created once and updated in place, and
 * a file row is touched only when its state object changed, so a large batch stays cheap to redraw.
 */
export class BatchListView {
  private readonly cards = new Map<string, BatchCard>();

  constructor(
    private readonly list: HTMLOListElement,
    private readonly thumbnailUrl: ThumbnailUrl,
    private readonly actions: BatchActions,
  ) {}

  render(batches: readonly BatchState[], dirty: ReadonlySet<string>): void {
    batches.forEach((batch, index) => {
      let card = this.cards.get(batch.batchId);
      if (!card) {
        card = new BatchCard(batch.batchId, this.thumbnailUrl, this.actions);
        this.cards.set(batch.batchId, card);
      }
      if (dirty.has(batch.batchId) || !card.element.isConnected) card.update(batch);
      // Only misplaced cards move: moving a card that holds focus would drop it.
      const atIndex = this.list.children[index];
      if (atIndex !== card.element) this.list.insertBefore(card.element, atIndex ?? null);
    });
  }

  clear(): void {
    for (const card of this.cards.values()) card.dispose();
    this.cards.clear();
    this.list.replaceChildren();
  }
}

class BatchCard {
  readonly element = el("li", "batch");
  private readonly title = el("h3");
  private readonly badge = el("span", "badge");
  private readonly bar = el("div", "bar");
  private readonly fillOk = el("span", "fill ok");
  private readonly fillFailed = el("span", "fill failed");
  private readonly counts = el("p", "counts");
  private readonly pausedFlag = el("span", "paused-flag");
  private readonly controls = el("div", "controls");
  private readonly timeLeft = el("span", "time-left");
  private readonly toggle = el("button", "secondary");
  private readonly cancelButton = el("button", "secondary danger");
  private readonly actionError = el("p", "action-error");
  private readonly problem = el("p", "problem");
  private readonly summary = el("summary");
  private readonly files = el("ul", "files");
  private readonly rows = new Map<string, FileRow>();
  private batch: BatchState | undefined;
  /** The control whose request runs, or whose answer waits for the frame that shows it. */
  private busy: Action | null = null;
  private awaitingFrame: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly batchId: string,
    private readonly thumbnailUrl: ThumbnailUrl,
    private readonly actions: BatchActions,
  ) {
    const titleId = `batch-${batchId}`;
    this.title.id = titleId;
    this.element.dataset.batchId = batchId;
    this.bar.setAttribute("role", "progressbar");
    this.bar.setAttribute("aria-labelledby", titleId);
    this.bar.setAttribute("aria-valuemin", "0");
    this.bar.append(this.fillOk, this.fillFailed);
    this.problem.setAttribute("role", "alert");
    this.problem.hidden = true;
    const details = el("details");
    details.open = true;
    details.append(this.summary, this.files);
    const head = el("div", "batch-head");
    const flags = el("span", "flags");
    this.pausedFlag.textContent = "Paused";
    this.pausedFlag.hidden = true;
    flags.append(this.pausedFlag, this.badge);
    head.append(this.title, flags);
    for (const button of [this.toggle, this.cancelButton]) {
      button.type = "button";
      button.setAttribute("aria-describedby", titleId);
    }
    this.toggle.addEventListener("click", () => void this.run(this.batch?.paused ? "resume" : "pause"));
    this.cancelButton.addEventListener("click", () => void this.run("cancel"));
    const buttons = el("span", "buttons");
    buttons.append(this.toggle, this.cancelButton);
    this.controls.append(this.timeLeft, buttons);
    this.actionError.setAttribute("role", "alert");
    this.actionError.hidden = true;
    this.element.append(head, this.bar, this.counts, this.controls, this.actionError, this.problem, details);
  }

  dispose(): void {
    clearTimeout(this.awaitingFrame);
  }

  update(batch: BatchState): void {
    this.batch = batch;
    const total = Math.max(batch.total, batch.uploads.size);
    const final = TERMINAL.has(batch.status);
    this.element.dataset.status = batch.status;
    this.element.dataset.paused = String(batch.paused && !final);
    this.pausedFlag.hidden = !batch.paused || final;
    this.title.textContent = `${total === 1 ? "1 file" : `${total} files`}, ${when.format(new Date(batch.createdAt))}`;
    this.badge.textContent = batch.status;
    this.bar.setAttribute("aria-valuemax", String(total));
    this.bar.setAttribute("aria-valuenow", String(batch.processed));
    this.bar.setAttribute("aria-valuetext", `${batch.processed} of ${total} processed`);
    this.fillOk.style.width = percent(batch.successful, total);
    this.fillFailed.style.width = percent(batch.failed + batch.cancelled, total);
    this.counts.replaceChildren(
      count("processed", `${batch.processed} of ${total} processed`),
      count("succeeded", `${batch.successful} succeeded`),
      count("failed", `${batch.failed} failed`),
      ...(batch.cancelled > 0 ? [count("cancelled", `${batch.cancelled} cancelled`)] : []),
    );
    const timeLeft = final ? null : formatTimeLeft(batch.secondsLeft);
    this.timeLeft.textContent = timeLeft ?? "";
    this.timeLeft.hidden = timeLeft === null;
    if (this.busy !== null && this.awaitingFrame !== undefined && this.shows(this.busy)) this.settle();
    if (final) this.settle();
    this.renderControls();
    this.problem.hidden = batch.problem === null;
    this.problem.textContent = batch.problem ?? "";
    this.summary.textContent = `Files (${batch.uploads.size})`;
    this.updateRows(batch);
  }

  /** Pause or Resume (one button, so focus stays on it), and Cancel, while the batch is unfinished. */
  private renderControls(): void {
    const batch = this.batch;
    const final = !batch || TERMINAL.has(batch.status);
    this.controls.hidden = final;
    this.toggle.textContent = this.busy === "pause" || this.busy === "resume" ? BUSY_LABEL[this.busy] : batch?.paused ? "Resume" : "Pause";
    this.toggle.dataset.action = batch?.paused ? "resume" : "pause";
    this.cancelButton.textContent = this.busy === "cancel" ? BUSY_LABEL.cancel : "Cancel";
    this.toggle.disabled = this.busy !== null;
    this.cancelButton.disabled = this.busy !== null;
    if (final) this.showActionError(null);
  }

  private async run(action: Action): Promise<void> {
    const batch = this.batch;
    if (this.busy !== null || !batch || TERMINAL.has(batch.status)) return;
    if (action === "cancel") {
      const left = Math.max(0, batch.total - batch.processed);
      if (!confirm(`Cancel this batch? ${left === 1 ? "The 1 file" : `The ${left} files`} not yet processed will not be processed.`)) return;
    }
    this.busy = action;
    this.showActionError(null);
    this.renderControls();
    try {
      await this.actions[action](this.batchId);
    } catch (error) {
      this.showActionError(`Could not ${action} the batch: ${error instanceof Error ? error.message : String(error)}`);
      this.settle();
      this.renderControls();
      return;
    }
    if (this.shows(action)) {
      this.settle();
    } else {
      this.awaitingFrame = setTimeout(() => {
        this.settle();
        this.renderControls();
      }, AWAIT_FRAME_MILLIS);
    }
    this.renderControls();
  }

  /** Whether the batch as last pushed already shows what `action` asked for. */
  private shows(action: Action): boolean {
    if (!this.batch) return false;
    if (action === "cancel") return TERMINAL.has(this.batch.status);
    return this.batch.paused === (action === "pause") || TERMINAL.has(this.batch.status);
  }

  private settle(): void {
    clearTimeout(this.awaitingFrame);
    this.awaitingFrame = undefined;
    this.busy = null;
  }

  private showActionError(message: string | null): void {
    this.actionError.textContent = message ?? "";
    this.actionError.hidden = message === null;
  }

  private updateRows(batch: BatchState): void {
    let reorder = false;
    for (const upload of batch.uploads.values()) {
      let row = this.rows.get(upload.uploadId);
      if (!row) {
        row = { element: el("li", "file"), thumb: el("span", "thumb"), state: undefined, thumbnailRequested: false };
        this.rows.set(upload.uploadId, row);
      }
      if (row.state === upload) continue;
      // Rows are sorted by name; a file first seen in a push gets its name from a later snapshot.
      reorder ||= row.state?.filename !== upload.filename;
      this.updateRow(row, upload);
    }
    if (reorder) {
      const ordered = [...this.rows.values()].sort((a, b) => byName.compare(a.state?.filename ?? "\uffff", b.state?.filename ?? "\uffff"));
      this.files.replaceChildren(...ordered.map((row) => row.element));
    }
  }

  private updateRow(row: FileRow, upload: UploadState): void {
    const name = upload.filename ?? `file ${upload.uploadId.slice(0, 8)}`;
    const step = TERMINAL.has(upload.status) ? FILE_STEPS : upload.stage ? STAGE_STEP[upload.stage] : 0;
    const label = upload.status === "failed" ? "failed" : TERMINAL.has(upload.status) || !upload.stage ? upload.status : `${upload.status}, ${STAGE_LABEL[upload.stage]}`;
    row.element.dataset.uploadId = upload.uploadId;
    row.element.dataset.status = upload.status;

    if (upload.hasThumbnail && !row.thumbnailRequested) {
      row.thumbnailRequested = true;
      const image = el("img");
      image.alt = "";
      image.decoding = "async";
      // A stage report can name a file that has no picture (a video): keep the placeholder then.
      image.addEventListener("error", () => image.remove(), { once: true });
      image.src = this.thumbnailUrl(this.batchId, upload.uploadId);
      row.thumb.replaceChildren(image);
    }
    const bar = el("div", "bar small");
    bar.setAttribute("role", "progressbar");
    bar.setAttribute("aria-label", name);
    bar.setAttribute("aria-valuemin", "0");
    bar.setAttribute("aria-valuemax", String(FILE_STEPS));
    bar.setAttribute("aria-valuenow", String(step));
    bar.setAttribute("aria-valuetext", label);
    const fill = el("span", `fill ${upload.status === "completed" ? "ok" : TERMINAL.has(upload.status) ? "failed" : "active"}`);
    fill.style.width = percent(step, FILE_STEPS);
    bar.append(fill);

    const children: HTMLElement[] = [row.thumb, text("span", "name", name), text("span", "state", label), bar];
    if (upload.error) children.push(text("span", "error", upload.error));
    row.element.replaceChildren(...children);
    row.state = upload;
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (className) element.className = className;
  return element;
}

function text(tag: "span" | "p", className: string, content: string): HTMLElement {
  const element = el(tag, className);
  element.textContent = content;
  return element;
}

function count(kind: string, content: string): HTMLElement {
  const element = text("span", `count ${kind}`, content);
  element.dataset.count = kind;
  return element;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${Math.min(100, (part / whole) * 100).toFixed(2)}%` : "0%";
}
