// Layering rules (ARCHITECTURE.md): dependencies point inward, functions -> src/* -> src/domain.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds pure types and rules: it imports only itself (and luxon for time-zone arithmetic).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', 'node_modules/luxon/', '^luxon$'] },
    },
    {
      name: 'only-functions-touch-the-functions-runtime',
      comment: 'Only functions/ may import @azure/functions or durable-functions.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: ['node_modules/@azure/functions/', 'node_modules/durable-functions/'] },
    },
    {
      name: 'core-does-not-depend-on-entry-points',
      comment: 'src/ must not import functions/, devhost/ or test/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: ['^functions/', '^devhost/', '^test/', '^bench/'] },
    },
    {
      name: 'production-does-not-depend-on-devhost',
      comment: 'functions/ run unchanged in Azure: no devhost or test imports.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^devhost/', '^test/', '^bench/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(src|functions)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: ['^dist/', 'node_modules'] },
  },
};
