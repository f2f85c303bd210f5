// app.setup({ enableHttpStream: true }) through devhost: Server-Sent Events and streamed uploads.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, startDevhost, type DevhostProcess } from '../../support/devhost';

describe('devhost with HTTP streaming', () => {
  let devhost: DevhostProcess;
  before(async () => {
    devhost = await startDevhost({ appDir: join(repoRoot, 'test', 'fixtures', 'stream-app') });
  });
  after(async () => devhost.stop());

  it('streams Server-Sent Events as the function produces them', async () => {
    const started = Date.now();
    const res = await fetch(`${devhost.baseUrl}/api/ticks/5`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const reader = res.body?.getReader();
    assert.ok(reader);
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
      text += Buffer.from(value).toString('utf8');
    }
    assert.equal(text.match(/^data: tick \d$/gm)?.length, 5);
    assert.ok(arrivals.length >= 3, `events arrived in ${arrivals.length} chunks, not one buffered response`);
    assert.ok((arrivals[0] ?? 0) < 400, `the first event arrived after ${arrivals[0] ?? -1} ms, before the stream ended`);
  });

  it('streams request bodies into the function with headers and route params', async () => {
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    const res = await fetch(`${devhost.baseUrl}/api/upload`, { method: 'POST', body: payload, headers: { 'x-test': 'yes' } });
    assert.deepEqual(await res.json(), { bytes: payload.length, header: 'yes' });
  });
});
