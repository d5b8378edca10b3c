// `node --import ./test/support/record-loads.mjs …` records every module the process loads (see the hooks).
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url);
