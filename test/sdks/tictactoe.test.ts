/**
 * The Channel API overview's Tic-Tac-Toe, ported to Python with the drop-in (examples/tictactoe), played
 * to the end in Chromium by two players (two browser contexts) whose pages load /_ah/channel/jsapi from
 * two different gateway nodes; the app sends through node A, and the presence webhooks reach the app.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { getFreePort, gatewayApi, launchChromium, repoPath, spawnProcess, type SpawnedProcess } from '../support/index.js';
import { startSdkCluster, type SdkCluster } from './support/cluster.js';

let cluster: SdkCluster;
let app: SpawnedProcess;
let appUrl: string;
let browser: Browser;

beforeAll(async () => {
  // The gateways need the app's URL for webhooks and the app needs theirs: the app's port comes first.
  const port = await getFreePort();
  appUrl = `http://127.0.0.1:${port}`;
  [cluster, browser] = await Promise.all([startSdkCluster({ webhookUrl: appUrl }), launchChromium()]);
  const [a, b] = cluster.nodes;
  app = spawnProcess('python3', [repoPath('examples', 'tictactoe', 'main.py')], {
    name: 'tictactoe',
    env: {
      ...process.env,
      PORT: String(port),
      CHANNEL_GATEWAY_URL: a!.httpUrl,
      CHANNEL_GATEWAY_API_KEY: cluster.apiKey,
      CHANNEL_GATEWAY_WEBHOOK_SECRET: cluster.webhookSecret,
      GATEWAY_BROWSER_URLS: `${a!.httpUrl},${b!.httpUrl}`,
      PYTHONDONTWRITEBYTECODE: '1',
    },
  });
  await app.waitForLine('Tic-Tac-Toe listening on', 10_000);
});
afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await cluster?.stop();
});

const text = (page: Page, selector: string) => page.locator(selector).textContent();

async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, e]) => (globalThis as unknown as { document: { querySelector(q: string): { textContent: string } | null } })
        .document.querySelector(s)?.textContent === e,
      [selector, expected] as const,
      { timeout: 10_000 },
    );
  } catch {
    throw new Error(`${selector} never read ${JSON.stringify(expected)} (it reads ${JSON.stringify(await text(page, selector))}); app output:\n${app.tail(20)}`);
  }
}

async function board(page: Page): Promise<string> {
  const cells = await Promise.all(Array.from({ length: 9 }, (_, i) => text(page, `#cell-${i}`)));
  return cells.map((cell) => cell || ' ').join('');
}

/** Clicks a cell and waits until the app has answered the move's POST. */
async function click(page: Page, cell: number): Promise<void> {
  await page.click(`#cell-${cell}`);
  await page.waitForFunction(() => (globalThis as unknown as { pendingRequests: number }).pendingRequests === 0, undefined, {
    timeout: 10_000,
  });
}

type UpdateCounter = { updatesReceived: number };

/** Asks the app (as the page does on open) to send the state to both players; resolves once both have it. */
async function freshUpdate(pages: Page[]): Promise<void> {
  const counts = await Promise.all(pages.map((page) => page.evaluate(() => (globalThis as unknown as UpdateCounter).updatesReceived)));
  await pages[0]!.evaluate(() => (globalThis as unknown as { post(path: string): void }).post('/opened'));
  await Promise.all(
    pages.map((page, i) =>
      page.waitForFunction((n) => (globalThis as unknown as UpdateCounter).updatesReceived > n, counts[i]!, { timeout: 10_000 }),
    ),
  );
}

/** `mover` clicks `cell`; both pages then show `expected` (the whole board). */
async function play(mover: Page, cell: number, expected: string, pages: Page[]): Promise<void> {
  await click(mover, cell);
  for (const page of pages) {
    for (let i = 0; i < 9; i++) await waitForText(page, `#cell-${i}`, expected[i] === ' ' ? '' : expected[i]!);
  }
}

it('two players on two gateway nodes play a whole game; presence reaches the app', async () => {
  const [a, b] = cluster.nodes;
  const x = await (await browser.newContext()).newPage();
  const o = await (await browser.newContext()).newPage();
  const errors: string[] = [];
  for (const page of [x, o]) page.on('pageerror', (error) => errors.push(error.message));

  await x.goto(`${appUrl}/`);
  expect(x.url()).toMatch(/\/\?g=[0-9a-f]{16}$/);
  await waitForText(x, '#status', 'Waiting for an opponent: send them the link below.');
  await o.goto(x.url());

  // Each page learns from the app that the other's connected webhook arrived.
  await waitForText(x, '#opponent', 'Opponent is online.');
  await waitForText(o, '#opponent', 'Opponent is online.');
  await waitForText(x, '#status', 'Your move.');
  await waitForText(o, '#status', 'Waiting for the other player to move.');

  // The two sockets are on two nodes: X loaded the script from node A, O from node B.
  const api = gatewayApi(a!.httpUrl, cluster.apiKey);
  const clientId = (page: Page) =>
    page.evaluate(() => {
      const { state } = globalThis as unknown as { state: { me: string; gameKey: string } };
      return state.me + state.gameKey;
    });
  expect((await api('GET', `/v1/channels/${await clientId(x)}`)).body).toMatchObject({ connected: true, node: a!.nodeId });
  expect((await api('GET', `/v1/channels/${await clientId(o)}`)).body).toMatchObject({ connected: true, node: b!.nodeId });

  await play(x, 0, 'X        ', [x, o]);
  await click(x, 8); // not X's turn: the app refuses it (answered before O moves), as the next update shows
  await play(o, 3, 'X  O     ', [x, o]);
  await click(o, 4); // not O's turn either
  await play(x, 1, 'XX O     ', [x, o]);
  await play(o, 4, 'XX OO    ', [x, o]);
  await play(x, 2, 'XXXOO    ', [x, o]);
  await waitForText(x, '#status', 'You won!');
  await waitForText(o, '#status', 'You lost.');
  expect(await x.locator('td.win').evaluateAll((cells) => cells.map((cell) => (cell as unknown as { id: string }).id))).toEqual([
    'cell-0',
    'cell-1',
    'cell-2',
  ]);
  await click(o, 5); // the game is over
  await click(x, 6);
  // Any update those clicks caused was sent before the one /opened now asks for (one sender, in order).
  await freshUpdate([x, o]);
  expect([await board(x), await board(o)]).toEqual(['XXXOO    ', 'XXXOO    ']);

  // O leaves: the disconnected webhook reaches the app, which tells X.
  await o.context().close();
  await waitForText(x, '#opponent', 'Opponent is offline.');
  expect(errors).toEqual([]);
  await x.context().close();
}, 60_000);
