// Headless Chromium (Debian's `chromium`) takes a screenshot of a generated page; the picture is
// then cropped to its content, so a long thread and a short one both come out whole.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodePng } from '../../src/picture/png.js';
import { decodePng } from '../support/png.js';

const run = promisify(execFile);

export const CHROMIUM = process.env.CHROMIUM_BIN ?? 'chromium';

/** Tall enough for a long thread; the blank below the content is cropped. */
const PAGE_HEIGHT = 12_000;

export async function screenshotHtml(
  html: string,
  opts: { width?: number } = {},
): Promise<{ png: Buffer; width: number; height: number }> {
  const width = opts.width ?? 900;
  const dir = await mkdtemp(join(tmpdir(), 'kubemedic-render-'));
  try {
    const page = join(dir, 'thread.html');
    const shot = join(dir, 'shot.png');
    await writeFile(page, html);
    await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
        '--force-device-scale-factor=1',
        `--user-data-dir=${join(dir, 'profile')}`,
        `--window-size=${width},${PAGE_HEIGHT}`,
        `--screenshot=${shot}`,
        `file://${page}`,
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return cropToContent(await readFile(shot));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Cuts the white rows below the last drawn one (keeping a margin). */
function cropToContent(png: Buffer): { png: Buffer; width: number; height: number } {
  const img = decodePng(png);
  const stride = img.width * img.channels;
  let last = 0;
  for (let y = img.height - 1; y >= 0 && last === 0; y--)
    for (let i = 0; i < stride; i += img.channels) {
      const p = y * stride + i;
      if (img.pixels[p] !== 255 || img.pixels[p + 1] !== 255 || img.pixels[p + 2] !== 255) {
        last = y;
        break;
      }
    }
  const height = Math.min(img.height, last + 16);
  const rgb = new Uint8Array(img.width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < img.width; x++)
      for (let k = 0; k < 3; k++)
        rgb[(y * img.width + x) * 3 + k] = img.pixels[y * stride + x * img.channels + k] as number;
  return { png: encodePng(img.width, height, rgb), width: img.width, height };
}
