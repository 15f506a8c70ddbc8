/** Which AI (or other) method produced a description or an embedding, kept beside the result. */
export type AiProvenance =
  | { source: "ollama"; model: string }
  | { source: "offline"; method: "metadata-summary" | "colour-histogram" | "text-hash" }
  /** Videos are described by what their container says: no model sees a frame. */
  | { source: "metadata" };

export type EmbeddingProvenance = AiProvenance & { dimensions: number };

export type AiMetadata = {
  description?: AiProvenance;
  embedding?: EmbeddingProvenance;
};

type MediaBase = {
  /** The type detected from the file's bytes, never from its name. */
  mimeType: string;
  /** A readable name of the format: JPEG, PNG, MP4, WebM... */
  format: string;
  byteLength: number;
  ai?: AiMetadata;
};

export type ImageMetadata = MediaBase & {
  kind: "image";
  /** As displayed: after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** EXIF orientation, 1 to 8; null when the file carries none. */
  orientation: number | null;
  /** EXIF DateTimeOriginal as `YYYY-MM-DDTHH:mm:ss`, with its offset when the camera wrote one. */
  takenAt: string | null;
  cameraMake: string | null;
  cameraModel: string | null;
  /** More than 1 for animations (GIF, WebP); the thumbnail shows the first frame. */
  frames: number;
  thumbnail: { width: number; height: number; mimeType: "image/webp" };
};

export type VideoMetadata = MediaBase & {
  kind: "video";
  /** The container's own name for itself: ISO brands (`isom, avc1`) or the EBML doctype (`webm`). */
  container: string;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  /** RFC 6381 codec string for MP4/QuickTime (`avc1.42c01e`), the codec name for Matroska/WebM (`VP9`). */
  videoCodec: string | null;
  audioCodec: string | null;
};

/** What the processing step stores in `uploads.metadata`. */
export type MediaMetadata = ImageMetadata | VideoMetadata;

/** What a video's container says about it, read without decoding a frame. */
export type VideoFacts = Omit<VideoMetadata, "kind" | "mimeType" | "format" | "byteLength" | "ai">;
