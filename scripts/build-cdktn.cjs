// The package's `./cdktn` entry point: the compiled library (dist/src) copied to dist/cdktn with every import of
// CDK for Terraform's packages swapped for CDK Terrain's (scripts/toolchains.cjs). One source, compiled once;
// the copy differs only in module names, which the package tests check file by file.
'use strict';
const { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } = require('fs');
const { join } = require('path');
const { rewriteSpecifiers } = require('./toolchains.cjs');

const dist = join(__dirname, '..', 'dist');
const from = join(dist, 'src');
const to = join(dist, 'cdktn');

function copy(source, target) {
  mkdirSync(target, { recursive: true });
  for (const entry of readdirSync(source, { withFileTypes: true })) {
    const path = join(source, entry.name);
    if (entry.isDirectory()) copy(path, join(target, entry.name));
    else if (/\.(js|d\.ts)$/.test(entry.name)) {
      writeFileSync(join(target, entry.name), rewriteSpecifiers(readFileSync(path, 'utf8'), 'cdktn'));
    }
  }
}

rmSync(to, { recursive: true, force: true });
copy(from, to);
