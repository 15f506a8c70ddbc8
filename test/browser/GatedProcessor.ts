import type { ProcessingContext, ProcessingResult, UploadProcessor, UploadToProcess } from "@pipeline/core";

/**
 * Delegates to the real processor, which needs the running stack and so is set after it starts,
 * and holds back the uploads a test chooses until it releases them: a batch stays mid-way for as
 * long as the test needs, without depending on timing.
 */
export class GatedProcessor implements UploadProcessor {
  private inner: UploadProcessor | undefined;
  private held: (upload: UploadToProcess) => boolean = () => false;
  private gate: Promise<void> = Promise.resolve();

  use(inner: UploadProcessor): void {
    this.inner = inner;
  }

  /** Holds every upload `held` selects until the returned function is called. */
  hold(held: (upload: UploadToProcess) => boolean): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    this.held = held;
    return () => {
      this.held = () => false;
      release();
    };
  }

  async process(upload: UploadToProcess, context: ProcessingContext): Promise<ProcessingResult> {
    if (this.held(upload)) await this.gate;
    if (!this.inner) throw new Error("GatedProcessor used before use()");
    return this.inner.process(upload, context);
  }
}
