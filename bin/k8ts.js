#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm install` compiles it (the prepare script).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('k8ts: dist/ is missing; run `npm install` (or `npm run build`) first');
    process.exit(1);
  }
  throw err;
});
