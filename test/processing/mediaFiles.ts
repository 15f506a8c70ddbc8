import sharp from "sharp";

/** A solid-colour image with a diagonal stripe, so that orientation and colours are visible. */
export async function makeImage(
  format: "jpeg" | "png" | "webp" | "gif" | "avif" | "tiff",
  options: { width?: number; height?: number; colour?: string; exif?: { make?: string; model?: string; takenAt?: string; orientation?: number } } = {},
): Promise<Buffer> {
  const { width = 640, height = 480, colour = "#c03030", exif } = options;
  const stripe = Buffer.from(`<svg width="${width}" height="${height}"><line x1="0" y1="0" x2="${width}" y2="${height}" stroke="#2040c0" stroke-width="24"/></svg>`);
  let image = sharp({ create: { width, height, channels: 3, background: colour } }).composite([{ input: stripe }]);
  if (exif) {
    image = image.withExif({
      IFD0: { ...(exif.make ? { Make: exif.make } : {}), ...(exif.model ? { Model: exif.model } : {}) },
      ...(exif.takenAt ? { IFD2: { DateTimeOriginal: exif.takenAt } } : {}),
    });
    if (exif.orientation) image = image.withMetadata({ orientation: exif.orientation });
  }
  return image.toFormat(format).toBuffer();
}

function box(type: string, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, payload]);
}

const u32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
};
const u16 = (value: number) => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
};
const zeros = (length: number) => Buffer.alloc(length);
const fullBox = (type: string, version: number, flags: number, ...parts: Buffer[]) => box(type, u32((version << 24) | flags), ...parts);
const IDENTITY = Buffer.concat([0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000].map(u32));

/**
 * A minimal MP4 (a few hundred bytes): ftyp, and a moov with one H.264 video track header and an
 * empty sample table, which is all a container reader looks at.
 */
export function makeMp4(options: { width: number; height: number; durationMillis: number }): Buffer {
  const { width, height, durationMillis } = options;
  const mvhd = fullBox("mvhd", 0, 0, u32(0), u32(0), u32(1000), u32(durationMillis), u32(0x10000), u16(0x100), zeros(10), IDENTITY, zeros(24), u32(2));
  const tkhd = fullBox("tkhd", 0, 3, u32(0), u32(0), u32(1), zeros(4), u32(durationMillis), zeros(8), u16(0), u16(0), u16(0), zeros(2), IDENTITY, u32(width << 16), u32(height << 16));
  const mdhd = fullBox("mdhd", 0, 0, u32(0), u32(0), u32(1000), u32(durationMillis), u16(0x55c4), u16(0));
  const hdlr = fullBox("hdlr", 0, 0, u32(0), Buffer.from("vide"), zeros(12), Buffer.from("VideoHandler\0"));
  const avcC = box("avcC", Buffer.from([1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0]));
  const avc1 = box("avc1", zeros(6), u16(1), zeros(16), u16(width), u16(height), u32(0x480000), u32(0x480000), zeros(4), u16(1), zeros(32), u16(0x18), u16(0xffff), avcC);
  const stbl = box("stbl", fullBox("stsd", 0, 0, u32(1), avc1), fullBox("stts", 0, 0, u32(0)), fullBox("stsc", 0, 0, u32(0)), fullBox("stsz", 0, 0, u32(0), u32(0)), fullBox("stco", 0, 0, u32(0)));
  const minf = box("minf", fullBox("vmhd", 0, 1, zeros(8)), box("dinf", fullBox("dref", 0, 0, u32(1), fullBox("url ", 0, 1))), stbl);
  const trak = box("trak", tkhd, box("mdia", mdhd, hdlr, minf));
  return Buffer.concat([box("ftyp", Buffer.from("isom"), u32(0x200), Buffer.from("isomiso2avc1mp41")), box("moov", mvhd, trak), box("mdat")]);
}

function element(id: number, ...parts: Buffer[]): Buffer {
  const payload = Buffer.concat(parts);
  // An 8-byte size: 0x01 marker, then the length in the 7 bytes after it.
  const size = Buffer.alloc(8);
  size[0] = 1;
  size.writeUIntBE(payload.length, 2, 6);
  const hex = id.toString(16);
  return Buffer.concat([Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex"), size, payload]);
}
const uintElement = (id: number, value: number) => element(id, u32(value));
const textElement = (id: number, value: string) => element(id, Buffer.from(value));
const floatElement = (id: number, value: number) => {
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleBE(value);
  return element(id, bytes);
};

/** A minimal WebM: EBML header, segment info with a duration, one VP9 video track. */
export function makeWebm(options: { width: number; height: number; durationMillis: number }): Buffer {
  const header = element(0x1a45dfa3, uintElement(0x4286, 1), uintElement(0x42f7, 1), uintElement(0x42f2, 4), uintElement(0x42f3, 8), textElement(0x4282, "webm"), uintElement(0x4287, 4), uintElement(0x4285, 2));
  const info = element(0x1549a966, uintElement(0x2ad7b1, 1_000_000), textElement(0x4d80, "test"), textElement(0x5741, "test"), floatElement(0x4489, options.durationMillis));
  const video = element(0xe0, uintElement(0xb0, options.width), uintElement(0xba, options.height));
  const track = element(0xae, uintElement(0xd7, 1), uintElement(0x73c5, 1), uintElement(0x83, 1), textElement(0x86, "V_VP9"), video);
  return Buffer.concat([header, element(0x18538067, info, element(0x1654ae6b, track))]);
}
