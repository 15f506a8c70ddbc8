import sharp from "sharp";

export interface GeneratedFile {
  filename: string;
  type: string;
  data: Buffer;
}

/**
 * Makes `count` small JPEG and PNG images, each with its own colours, and `broken` files that no
 * processor can read (text named .jpg), so a demo shows failures too.
 */
export async function generateImages(count: number, broken = 0): Promise<GeneratedFile[]> {
  const images = await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const width = 160 + ((index * 37) % 480);
      const height = 120 + ((index * 53) % 360);
      const hue = (index * 47) % 360;
      const [r, g, b] = hslToRgb(hue, 0.6, 0.5);
      const overlay = Buffer.from(
        `<svg width="${width}" height="${height}"><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="rgb(${255 - r},${255 - g},${255 - b})"/></svg>`,
      );
      const png = index % 4 === 0;
      const image = sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).composite([{ input: overlay }]);
      const data = png ? await image.png().toBuffer() : await image.jpeg({ quality: 80 }).toBuffer();
      return { filename: `demo-${String(index + 1).padStart(4, "0")}.${png ? "png" : "jpg"}`, type: png ? "image/png" : "image/jpeg", data };
    }),
  );
  const failures = Array.from({ length: broken }, (_, index) => ({
    filename: `not-really-a-photo-${index + 1}.jpg`,
    type: "image/jpeg",
    data: Buffer.from("this is plain text, whatever its name says\n"),
  }));
  return [...images, ...failures];
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] = hue < 60 ? [chroma, x, 0] : hue < 120 ? [x, chroma, 0] : hue < 180 ? [0, chroma, x] : hue < 240 ? [0, x, chroma] : hue < 300 ? [x, 0, chroma] : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
