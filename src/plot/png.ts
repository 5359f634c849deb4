/**
 * SVG to PNG, for viewers and reports that do not show SVG. resvg (Rust, shipped as prebuilt
 * platform packages, so it needs no install script and no Cairo) is loaded on demand: where its
 * binary is missing, `svgToPng` resolves to null and the caller keeps the SVG alone.
 *
 * Text is drawn with the system's fonts; the chart asks for DejaVu Sans, Arial or any sans-serif.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type ResvgModule = typeof import('@resvg/resvg-js');

let loaded: ResvgModule | null | undefined;

function resvg(): ResvgModule | null {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** Why the PNG could not be made, when {@link svgToPng} returns null. */
export const PNG_UNAVAILABLE = '@resvg/resvg-js could not be loaded (no prebuilt binary for this platform?): SVG only';

/** The PNG of `svg` at its own size, or null when resvg cannot be loaded. */
export function svgToPng(svg: string): Buffer | null {
  const mod = resvg();
  if (!mod) return null;
  const image = new mod.Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render();
  return image.asPng();
}

/**
 * Writes `svg` as NAME.svg in `dir` (made if missing), and as NAME.png where resvg loads: the
 * files written, SVG first.
 */
export async function writeSvgAndPng(svg: string, dir: string, name: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = [join(dir, `${name}.svg`)];
  await writeFile(files[0]!, svg);
  const png = svgToPng(svg);
  if (png) {
    files.push(join(dir, `${name}.png`));
    await writeFile(files[1]!, png);
  }
  return files;
}
