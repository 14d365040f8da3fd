/** What every TokenStore must do, run against each implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../src/channels/tokens.js';
import type { StoreSet, StoreSetFactory } from '../support/store-fixtures.js';

export function tokenStoreContract(name: string, makeStores: StoreSetFactory): void {
  describe(`TokenStore contract: ${name}`, () => {
    let stores: StoreSet;
    beforeEach(async () => (stores = await makeStores()));
    afterEach(async () => stores.close());

    it('finds a saved token by its hash, with client ID, generation and expiry intact', async () => {
      const hash = hashToken(newToken());
      const record = { clientId: 'client with spaces ✓', generation: 'G1', expiresAt: Date.now() + 60_000 };
      await stores.tokens.save(hash, record);
      expect(await stores.tokens.find(hash)).toEqual(record);
    });

    it('does not find unknown hashes', async () => {
      expect(await stores.tokens.find(hashToken(newToken()))).toBeUndefined();
    });

    it('finds many hashes at once, in order, with undefined for the unknown ones', async () => {
      const hashes = [hashToken(newToken()), hashToken(newToken()), hashToken(newToken())];
      const records = [
        { clientId: 'a', generation: 'G1', expiresAt: Date.now() + 60_000 },
        { clientId: 'b c', generation: 'G2', expiresAt: Date.now() - 1_000 },
      ];
      await stores.tokens.save(hashes[0]!, records[0]!);
      await stores.tokens.save(hashes[2]!, records[1]!);
      expect(await stores.tokens.findMany([hashes[2]!, hashes[1]!, hashes[0]!, hashes[2]!])).toEqual([records[1], undefined, records[0], records[1]]);
      expect(await stores.tokens.findMany([])).toEqual([]);
    });

    it('still finds a token shortly after it expired, so the gateway can say it timed out', async () => {
      const hash = hashToken(newToken());
      const record = { clientId: 'c', generation: 'G', expiresAt: Date.now() - 1_000 };
      await stores.tokens.save(hash, record);
      expect(await stores.tokens.find(hash)).toEqual(record);
    });
  });
}
