// update(): read-decide-write until a conditional replace holds; a version the caller just read is
// tried first, and a refusal decided on it is decided again on a fresh read.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../../src/domain/errors';
import { update } from '../../../src/distribution/optimistic';
import { createMemoryDistribution } from '../../support/memoryDistribution';
import { makeService } from '../../support/distributionFixtures';

const missing = { code: 'SERVICE.NOT_FOUND' as const, message: 'no such service' };

describe('update', () => {
  it('decides again on a fresh read when the version the caller read is refused', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s', { name: 'old' }));
    const known = (await w.services.read('s'))!;
    await w.services.replace({ ...known.value, name: 'renamed' }, known.etag);
    const decide = (service: { name: string; id: string }) => {
      if (service.name !== 'renamed') throw new DomainError('SERVICE.NOT_FOUND', `still ${service.name}`);
      return { ...known.value, name: 'final' };
    };
    const { after, changed } = await update(w.services, 's', decide, missing, known);
    assert.equal(changed, true);
    assert.equal(after.value.name, 'final');
  });

  it('passes on a refusal decided on a fresh read', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s', { name: 'old' }));
    const known = (await w.services.read('s'))!;
    const refuse = (): never => {
      throw new DomainError('SERVICE.NOT_FOUND', 'refused');
    };
    await assert.rejects(update(w.services, 's', refuse, missing, known), /refused/);
    await assert.rejects(update(w.services, 's', refuse, missing), /refused/);
  });

  it('writes from the known version without reading again when it is current', async () => {
    const w = createMemoryDistribution();
    await w.services.create(makeService('s', { name: 'old' }));
    const known = (await w.services.read('s'))!;
    const reads: string[] = [];
    w.world.beforeIo = async (label) => void reads.push(label);
    await update(w.services, 's', (s) => ({ ...s, name: 'new' }), missing, known);
    assert.deepEqual(reads.filter((l) => l.endsWith('.read')), []);
  });
});
