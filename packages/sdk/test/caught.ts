import { expect } from 'vitest';
import { ChannelGatewayError } from '../src/index.js';

/** Awaits a call that must fail with a ChannelGatewayError, and returns that error for closer checks. */
export async function caught(promise: Promise<unknown>): Promise<ChannelGatewayError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChannelGatewayError);
  return error as ChannelGatewayError;
}
