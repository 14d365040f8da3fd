import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumPath, launchChromium } from '../support/chromium.js';

describe('launchChromium', () => {
  // Skipped only outside CI when Chromium is not installed; CI installs it, so there it must run.
  it.skipIf(!existsSync(chromiumPath()) && !process.env.CI)('launches headless Chromium and runs a page', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      expect(await page.evaluate(() => typeof WebSocket)).toBe('function');
    } finally {
      await browser.close();
    }
  });

  it('fails clearly when Chromium is missing', async () => {
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      /Chromium not found at \/nonexistent\/chromium.*apt-get install chromium.*CHROMIUM_PATH/s,
    );
  });
});
