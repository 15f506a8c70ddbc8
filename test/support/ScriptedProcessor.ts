import { PermanentProcessingError, type ProcessingResult, type UploadProcessor, type UploadToProcess } from "@pipeline/core";

export type Behaviour = "ok" | "retryable" | "permanent";
export type Script = (upload: UploadToProcess, attempt: number) => Behaviour | { behaviour: Behaviour; delayMillis: number };

/** A processor whose behaviour per upload and attempt is scripted by the test; it counts calls. */
export class ScriptedProcessor implements UploadProcessor {
  readonly calls = new Map<string, number>();

  constructor(private readonly script: Script) {}

  async process(upload: UploadToProcess): Promise<ProcessingResult> {
    const attempt = (this.calls.get(upload.id) ?? 0) + 1;
    this.calls.set(upload.id, attempt);
    const scripted = this.script(upload, attempt);
    const behaviour = typeof scripted === "string" ? scripted : scripted.behaviour;
    if (typeof scripted !== "string") await new Promise((resolve) => setTimeout(resolve, scripted.delayMillis));
    if (behaviour === "retryable") throw new Error(`model backend unavailable (attempt ${attempt})`);
    if (behaviour === "permanent") throw new PermanentProcessingError(`unsupported file ${upload.filename}`);
    return { description: `processed ${upload.filename}`, thumbnailPath: null, metadata: { attempt }, embedding: [0.25, 0.5] };
  }
}
