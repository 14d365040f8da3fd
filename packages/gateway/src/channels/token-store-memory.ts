import type { Clock } from '../clock.js';
import { EXPIRED_TOKEN_RETENTION_MS, type TokenRecord, type TokenStore } from './token-store.js';

/** Single-node token store. Forgotten records are swept once a minute so memory stays bounded by live tokens. */
export class MemoryTokenStore implements TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  async save(tokenHash: string, record: TokenRecord): Promise<void> {
    this.records.set(tokenHash, record);
  }

  async find(tokenHash: string): Promise<TokenRecord | undefined> {
    return this.lookup(tokenHash);
  }

  async findMany(tokenHashes: readonly string[]): Promise<Array<TokenRecord | undefined>> {
    return tokenHashes.map((hash) => this.lookup(hash));
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private lookup(tokenHash: string): TokenRecord | undefined {
    const record = this.records.get(tokenHash);
    if (record && this.forgotten(record)) {
      this.records.delete(tokenHash);
      return undefined;
    }
    return record;
  }

  private forgotten(record: TokenRecord): boolean {
    return record.expiresAt + EXPIRED_TOKEN_RETENTION_MS <= this.clock.now();
  }

  private sweep(): void {
    for (const [hash, record] of this.records) if (this.forgotten(record)) this.records.delete(hash);
  }
}
