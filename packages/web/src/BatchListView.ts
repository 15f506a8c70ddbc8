import type { UploadStage } from "@pipeline/core";
import type { BatchState, UploadState } from "./progressStore.js";

export type ThumbnailUrl = (batchId: string, uploadId: string) => string;

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
  ) {}

  render(batches: readonly BatchState[], dirty: ReadonlySet<string>): void {
    batches.forEach((batch, index) => {
      let card = this.cards.get(batch.batchId);
      if (!card) {
        card = new BatchCard(batch.batchId, this.thumbnailUrl);
        this.cards.set(batch.batchId, card);
      }
      if (dirty.has(batch.batchId) || !card.element.isConnected) card.update(batch);
      // Only misplaced cards move: moving a card that holds focus would drop it.
      const atIndex = this.list.children[index];
      if (atIndex !== card.element) this.list.insertBefore(card.element, atIndex ?? null);
    });
  }

  clear(): void {
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
  private readonly problem = el("p", "problem");
  private readonly summary = el("summary");
  private readonly files = el("ul", "files");
  private readonly rows = new Map<string, FileRow>();

  constructor(
    private readonly batchId: string,
    private readonly thumbnailUrl: ThumbnailUrl,
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
    head.append(this.title, this.badge);
    this.element.append(head, this.bar, this.counts, this.problem, details);
  }

  update(batch: BatchState): void {
    const total = Math.max(batch.total, batch.uploads.size);
    this.element.dataset.status = batch.status;
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
    this.problem.hidden = batch.problem === null;
    this.problem.textContent = batch.problem ?? "";
    this.summary.textContent = `Files (${batch.uploads.size})`;
    this.updateRows(batch);
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
