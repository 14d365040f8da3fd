import { describe, expect, it } from 'vitest';
import { spawnProcess } from '../support/processes.js';
import { getFreePort, isPortOpen } from '../support/free-port.js';
import { nextEvent, waitFor } from '../support/wait.js';
import { EventEmitter } from 'node:events';

const node = process.execPath;

describe('spawnProcess', () => {
  it('collects lines and waits for one', async () => {
    const proc = spawnProcess(node, [
      '-e',
      "console.log('one'); console.error('warn'); setTimeout(() => console.log('ready 42'), 100); setInterval(() => {}, 1000)",
    ]);
    try {
      expect(await proc.waitForLine(/^ready (\d+)$/, 5_000)).toBe('ready 42');
      expect(await proc.waitForLine('one', 1_000)).toBe('one'); // already printed
      expect(proc.stdoutLines()).toEqual(['one', 'ready 42']);
      expect(proc.stderrLines()).toEqual(['warn']);
    } finally {
      expect(await proc.stop()).toBe(null); // killed by SIGTERM
    }
    expect(proc.exitInfo()?.signal).toBe('SIGTERM');
  });

  it('reports the exit code, and rejects a wait when the process exits first', async () => {
    const proc = spawnProcess(node, ['-e', "console.error('boom'); process.exit(3)"]);
    await expect(proc.waitForLine('never', 5_000)).rejects.toThrow(/exited with code 3 before printing "never"[\s\S]*boom/);
    expect(await proc.stop()).toBe(3);
  });

  it('times out clearly', async () => {
    const proc = spawnProcess(node, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await expect(proc.waitForLine('never', 200, { what: 'the banner' })).rejects.toThrow(/timed out after 200 ms .*the banner/);
    } finally {
      await proc.stop();
    }
  });

  it('escalates to SIGKILL when the signal is ignored', async () => {
    const proc = spawnProcess(node, ['-e', "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000)"]);
    await proc.waitForLine('up');
    expect(await proc.stop('SIGTERM', 300)).toBe(null);
    expect(proc.exitInfo()?.signal).toBe('SIGKILL');
  });

  it('reports a command that cannot start', async () => {
    const proc = spawnProcess('/nonexistent/binary');
    await expect(proc.waitForLine('x')).rejects.toThrow(/failed to start/);
    expect((await proc.exited).error).toBeInstanceOf(Error);
  });
});

describe('free ports, waitFor, nextEvent', () => {
  it('finds a free loopback port', async () => {
    const port = await getFreePort();
    expect(port).toBeGreaterThan(0);
    expect(await isPortOpen(port)).toBe(false);
  });

  it('waitFor polls until truthy and names what it waited for', async () => {
    let n = 0;
    expect(await waitFor(() => ++n >= 3 && n, { what: 'n to reach 3', intervalMs: 10 })).toBe(3);
    await expect(waitFor(() => false, { what: 'the impossible', timeoutMs: 100 })).rejects.toThrow(/the impossible/);
  });

  it('nextEvent resolves with the arguments or times out', async () => {
    const emitter = new EventEmitter();
    setTimeout(() => emitter.emit('close', 1000, 'bye'), 10);
    expect(await nextEvent<[number, string]>(emitter, 'close')).toEqual([1000, 'bye']);
    await expect(nextEvent(emitter, 'close', 50)).rejects.toThrow(/'close'/);
  });
});
