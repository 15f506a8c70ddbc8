import exifr from "exifr";
import type { ImageMetadata } from "./types.js";

export type ExifBasics = Pick<ImageMetadata, "takenAt" | "cameraMake" | "cameraModel">;

const NONE: ExifBasics = { takenAt: null, cameraMake: null, cameraModel: null };
const EXIF_HEADER = "Exif\0\0";
const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const EXIF_OFFSET = /^[+-]\d{2}:\d{2}$/;

/**
 * Reads when and with what a picture was taken from the EXIF block sharp extracted (JPEG, PNG,
 * WebP, AVIF, TIFF alike). Missing or broken EXIF yields nulls: it never fails an image that
 * decodes.
 */
export async function readExifBasics(exif: Buffer | undefined): Promise<ExifBasics> {
  if (!exif || exif.byteLength === 0) return NONE;
  // sharp hands JPEG's APP1 payload over with its "Exif\0\0" header; exifr wants the TIFF block after it.
  const tiff = exif.subarray(0, EXIF_HEADER.length).toString("latin1") === EXIF_HEADER ? exif.subarray(EXIF_HEADER.length) : exif;
  let tags: unknown;
  try {
    tags = await exifr.parse(tiff, {
      pick: ["Make", "Model", "DateTimeOriginal", "OffsetTimeOriginal"],
      // Raw strings: exifr would turn the zone-less date into a Date in the server's time zone.
      reviveValues: false,
      translateValues: false,
    });
  } catch {
    return NONE;
  }
  if (typeof tags !== "object" || tags === null) return NONE;
  const record = tags as Record<string, unknown>;
  return {
    takenAt: exifDate(record.DateTimeOriginal, record.OffsetTimeOriginal),
    cameraMake: text(record.Make),
    cameraModel: text(record.Model),
  };
}

function text(value: unknown): string | null {
  if (typeof value !== "string") return null;
  // Cameras pad these fields with NULs and spaces.
  const trimmed = value.replace(/\0/g, "").trim();
  return trimmed === "" ? null : trimmed;
}

function exifDate(value: unknown, offset: unknown): string | null {
  const match = typeof value === "string" ? EXIF_DATE.exec(value.trim()) : null;
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match;
  const zone = typeof offset === "string" && EXIF_OFFSET.test(offset.trim()) ? offset.trim() : "";
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${zone}`;
}
