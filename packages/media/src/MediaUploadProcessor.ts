import { PermanentProcessingError, thumbnailObjectKey, type ProcessingContext, type ProcessingResult, type StageStore, type StoredResults, type UploadProcessor, type UploadToProcess } from "@pipeline/core";
import { objectKeys } from "@pipeline/wiring";
import { collectBytes } from "./collectBytes.js";
import { AI_IMAGE_MAX_SIZE, DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_THUMBNAIL_MAX_SIZE } from "./constants.js";
import { detectMedia, type DetectedMedia } from "./detectMedia.js";
import { ObjectNotFoundError, ObjectTooLargeError } from "./errors.js";
import type { AiService, Description } from "./ports/AiService.js";
import type { ObjectStore } from "./ports/ObjectStore.js";
import { readImage } from "./readImage.js";
import { readVideo } from "./readVideo.js";
import { renderImage } from "./renderImage.js";
import { summarizeMedia } from "./summarizeMedia.js";
import type { AiMetadata, ImageMetadata, MediaMetadata } from "./types.js";

export interface MediaUploadProcessorOptions {
  objects: ObjectStore;
  ai: AiService;
  stages: StageStore;
  /** Larger files fail permanently. Default: 50 MiB. */
  maxUploadBytes?: number;
  /** Thumbnails fit in a square of this many pixels. Default: 320. */
  thumbnailMaxSize?: number;
}

interface LoadedFile {
  bytes: Buffer;
  media: DetectedMedia;
}

/**
 * The real processing step. Reads the upload's object (its `filePath` is the key) within a size
 * limit, tells its type from its bytes, and runs three stages, each stored through the
 * `StageStore` as soon as it exists and reported to watching clients:
 *
 * 1. `thumbnail`: metadata (dimensions and EXIF basics for images, container facts for videos)
 *    and, for images, an upright WebP thumbnail written to `thumbnails/<uploadId>.webp`;
 * 2. `description`: the AI service describes the picture (videos get their metadata summary);
 * 3. `embedding`: the AI service embeds the description (and the picture, if it can).
 *
 * A retried upload skips the stages whose results were stored, so the AI service is never asked
 * twice for the same stage. What can never succeed throws `PermanentProcessingError`.
 *
 * @example
 * ```ts
 * const processor = new MediaUploadProcessor({ objects: new S3ObjectStore(s3, "media"), ai: new BuiltInAiService(), stages });
 * const result = await processor.process(upload, { signal, reportStage });
 * ```
 */
export class MediaUploadProcessor implements UploadProcessor {
  private readonly maxUploadBytes: number;
  private readonly thumbnailMaxSize: number;

  constructor(private readonly options: MediaUploadProcessorOptions) {
    this.maxUploadBytes = positiveInteger("maxUploadBytes", options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
    this.thumbnailMaxSize = positiveInteger("thumbnailMaxSize", options.thumbnailMaxSize ?? DEFAULT_THUMBNAIL_MAX_SIZE);
  }

  async process(upload: UploadToProcess, context: ProcessingContext): Promise<ProcessingResult> {
    const { signal } = context;
    const { ai, stages } = this.options;
    // The file is read only if a stage still needs it, and at most once per attempt.
    let file: Promise<LoadedFile> | undefined;
    const loadFile = () => (file ??= this.load(upload, signal));
    let aiImage: Promise<Buffer> | undefined;
    const loadAiImage = () => (aiImage ??= loadFile().then(async ({ bytes }) => (await renderImage(bytes, AI_IMAGE_MAX_SIZE, "jpeg")).bytes));

    let metadata = storedMediaMetadata(upload.stored);
    let thumbnailPath = upload.stored.thumbnailPath;
    if (!metadata) {
      ({ metadata, thumbnailPath } = await this.analyse(upload.id, await loadFile(), signal));
      await stages.save(upload.id, "analyzing", { metadata, thumbnailPath });
      context.reportStage("thumbnail");
    }

    let description = upload.stored.description;
    if (description === null) {
      signal.throwIfAborted();
      const described: Description =
        metadata.kind === "image" ? await ai.describe({ image: await loadAiImage(), metadata }, signal) : { text: summarizeMedia(metadata), provenance: { source: "metadata" } };
      description = described.text;
      metadata = withAi(metadata, { description: described.provenance });
      await stages.save(upload.id, "embedding", { description, metadata });
      context.reportStage("description");
    }

    let embedding: number[] | null = null;
    if (!upload.stored.hasEmbedding) {
      signal.throwIfAborted();
      const embedded = await ai.embed({ text: description, image: metadata.kind === "image" ? await loadAiImage() : null }, signal);
      embedding = embedded.vector;
      metadata = withAi(metadata, { embedding: embedded.provenance });
      await stages.save(upload.id, "embedding", { embedding, metadata });
      context.reportStage("embedding");
    }

    return { description, thumbnailPath, metadata, embedding };
  }

  private async load(upload: UploadToProcess, signal: AbortSignal): Promise<LoadedFile> {
    // The worker may read only the uploads' prefix (its IAM grant): a key elsewhere is refused
    // here, once and clearly, instead of an AccessDenied retried until the dead-letter queue.
    if (!upload.filePath.startsWith(objectKeys.uploadsPrefix)) {
      throw new PermanentProcessingError(`the upload's key is outside ${objectKeys.uploadsPrefix}, where uploads are stored (${JSON.stringify(upload.filePath)})`);
    }
    let bytes: Buffer;
    try {
      bytes = await collectBytes(await this.options.objects.read(upload.filePath, { maxBytes: this.maxUploadBytes, signal }), signal);
    } catch (error) {
      if (error instanceof ObjectTooLargeError) {
        throw new PermanentProcessingError(`file exceeds the upload limit of ${error.maxBytes} bytes${error.actualBytes === undefined ? "" : ` (${error.actualBytes} bytes)`}`, { cause: error });
      }
      if (error instanceof ObjectNotFoundError) throw new PermanentProcessingError(`the uploaded file is missing from storage (${error.key})`, { cause: error });
      throw error;
    }
    return { bytes, media: await detectMedia(bytes, upload.filename) };
  }

  private async analyse(uploadId: string, { bytes, media }: LoadedFile, signal: AbortSignal): Promise<{ metadata: MediaMetadata; thumbnailPath: string | null }> {
    const base = { mimeType: media.mimeType, format: media.format, byteLength: bytes.byteLength };
    if (media.kind === "video") return { metadata: { kind: "video", ...base, ...(await readVideo(bytes, media)) }, thumbnailPath: null };

    const facts = await readImage(bytes);
    const thumbnail = await renderImage(bytes, this.thumbnailMaxSize, "webp");
    const thumbnailPath = thumbnailObjectKey(uploadId);
    await this.options.objects.write(thumbnailPath, thumbnail.bytes, { contentType: "image/webp", signal });
    const metadata: ImageMetadata = { kind: "image", ...base, ...facts, thumbnail: { width: thumbnail.width, height: thumbnail.height, mimeType: "image/webp" } };
    return { metadata, thumbnailPath };
  }
}

/**
 * The first stage's stored result, if a previous attempt finished it. Its metadata and thumbnail
 * are stored in one statement, so an image's metadata without its thumbnail means another writer
 * (not this step) put it there.
 */
function storedMediaMetadata(stored: StoredResults): MediaMetadata | null {
  const kind = stored.metadata?.kind;
  if (kind === "video" || (kind === "image" && stored.thumbnailPath !== null)) return stored.metadata as MediaMetadata;
  return null;
}

function withAi(metadata: MediaMetadata, ai: AiMetadata): MediaMetadata {
  return { ...metadata, ai: { ...metadata.ai, ...ai } };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
