// An emulator that exits before its port answers says why: its last output is in the error, so a
// port clash (EADDRINUSE, which Azurite prints even with --silent) is seen and retried on other ports.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startChildEmulator } from '../../devhost/emulators/childEmulator';
import { freePort } from '../support/ports';

describe('a child emulator', () => {
  it('that exits before its port answers fails with what it said last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'child-emulator-'));
    const script = join(dir, 'clash.js');
    writeFileSync(script, "console.log('starting'); console.error('Exit due to unhandled error: listen EADDRINUSE: address already in use 127.0.0.1:1'); process.exit(1);\n");
    await assert.rejects(startChildEmulator({ name: 'clash', script, args: [], ports: [await freePort()], cwd: dir }), /clash exited with code 1 before port \d+ answered: starting \| .*EADDRINUSE/);
  });
});
