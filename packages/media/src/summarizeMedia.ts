import type { ImageMetadata, MediaMetadata, VideoMetadata } from "./types.js";

/**
 * A one-line, factual account of a file from its metadata alone, e.g.
 * `640×480 JPEG photo, taken 2024-05-01 12:34:56, Canon EOS 5D` or
 * `12.5 s MP4 video, 1920×1080, avc1.640028, audio mp4a.40.2`.
 */
export function summarizeMedia(metadata: MediaMetadata): string {
  return metadata.kind === "image" ? summarizeImage(metadata) : summarizeVideo(metadata);
}

function summarizeImage(image: ImageMetadata): string {
  const camera = cameraName(image.cameraMake, image.cameraModel);
  const noun = image.frames > 1 ? `animation, ${image.frames} frames` : camera || image.takenAt ? "photo" : "image";
  const parts = [`${image.width}×${image.height} ${image.format} ${noun}`];
  if (image.takenAt) parts.push(`taken ${image.takenAt.replace("T", " ")}`);
  if (camera) parts.push(camera);
  return parts.join(", ");
}

function summarizeVideo(video: VideoMetadata): string {
  const length = video.durationSeconds === null ? "" : `${video.durationSeconds.toFixed(1)} s `;
  const parts = [`${length}${video.format} video`];
  if (video.width !== null && video.height !== null) parts.push(`${video.width}×${video.height}`);
  if (video.videoCodec) parts.push(video.videoCodec);
  if (video.audioCodec) parts.push(`audio ${video.audioCodec}`);
  return parts.join(", ");
}

/** Models usually repeat the make ("Canon" / "Canon EOS 5D"); say it once. */
function cameraName(make: string | null, model: string | null): string {
  if (make && model) return model.toLowerCase().startsWith(make.toLowerCase()) ? model : `${make} ${model}`;
  return make ?? model ?? "";
}
