// `npm run bench -- <name> [...]`: runs bench/<name>.ts, which prints its figures and ratios.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Benchmark {
  run(args: string[]): Promise<void>;
}

async function main(): Promise<void> {
  const available = readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => f.slice(0, -3));
  const [name, ...args] = process.argv.slice(2);
  if (name === undefined || !available.includes(name)) {
    console.error(`usage: npm run bench -- <${available.join('|')}>`);
    process.exit(2);
  }
  const bench = require(join(__dirname, `${name}.js`)) as Benchmark;
  await bench.run(args);
  process.exit(0);
}

void main();
