// The layering rules of ARCHITECTURE.md, checked with dependency-cruiser over the real tree.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, paths: string[]): { status: number | null; output: string } {
  const result = spawnSync(depcruise, ['--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'err', ...paths], { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('architecture', () => {
  it('src/ and functions/ follow the layering rules', () => {
    const { status, output } = cruise(root, ['src', 'functions']);
    assert.equal(status, 0, output);
    assert.match(output, /no dependency violations found/);
  });

  it('the rules catch a domain module that imports storage', () => {
    const { status, output } = cruise(join(root, 'test', 'fixtures', 'layering'), ['src']);
    assert.notEqual(status, 0);
    assert.match(output, /domain-is-pure/);
    assert.match(output, /src\/domain\/task\.ts → src\/storage\/taskStore\.ts/);
  });
});
