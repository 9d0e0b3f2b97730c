// Takes a PNG screenshot of a local HTML file with headless Chromium. The page
// must be self-contained: Chromium runs with a fresh profile, background
// networking off, and only the file:// URL to load.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const chromiumPath = '/usr/bin/chromium';

/** Writes a `width` × `height` CSS pixel screenshot of `htmlPath` to `pngPath`. Throws when Chromium is missing or fails. */
export function takeScreenshot(htmlPath: string, pngPath: string, width: number, height: number): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} not found. Install it (on Debian: apt-get install -y chromium) or render the HTML page without --png.`);
  }
  const profileDir = mkdtempSync(join(tmpdir(), 'dashboard-chromium-'));
  rmSync(pngPath, { force: true });
  try {
    const result = spawnSync(
      chromiumPath,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profileDir}`,
        `--screenshot=${pngPath}`,
        `--window-size=${width},${height}`,
        pathToFileURL(htmlPath).href,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (result.error) throw new Error(`Could not run ${chromiumPath}: ${result.error.message}`);
    if (result.status !== 0 || !existsSync(pngPath) || statSync(pngPath).size === 0) {
      throw new Error(`Chromium exited with code ${result.status} without writing ${pngPath}. Its output:\n${result.stderr}`);
    }
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}
