/** Larger uploads fail permanently unless configured otherwise (`MAX_UPLOAD_BYTES`). */
export const DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** Thumbnails fit in a square of this many pixels. */
export const DEFAULT_THUMBNAIL_MAX_SIZE = 320;

/** The picture the AI step sees fits in this square: vision models scale images down to about this anyway. */
export const AI_IMAGE_MAX_SIZE = 1024;
