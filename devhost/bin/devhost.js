#!/usr/bin/env node
// devhost's command line: runs the compiled host (npm run build first).
require('../../dist/devhost/cli.js').main(process.argv.slice(2));
