/** Headless Chromium (the system one, not a Playwright download) for browser-client tests. */
import { existsSync } from 'node:fs';
import type { Browser, LaunchOptions } from 'playwright-core';

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** CHROMIUM_PATH, else /usr/bin/chromium. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Launches headless Chromium; `options` are merged over the defaults (args are appended). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Install it (\`apt-get install chromium\`) ` + 'or set CHROMIUM_PATH to a Chromium/Chrome binary.',
    );
  }
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({
      timeout: 30_000,
      ...options,
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`could not launch Chromium at ${executablePath}: ${message}`, { cause: error });
  }
}
