#!/usr/bin/env node
// The `wslab` command. The CLI is written in TypeScript; tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
