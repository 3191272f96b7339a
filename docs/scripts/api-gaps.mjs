// Lists the exported symbols and methods without TSDoc, per package:
// `node scripts/api-gaps.mjs` (after `pnpm build` of the packages).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateApi } from './api.mjs';

const { warnings } = await generateApi({ out: join(tmpdir(), 'rnn-api-gaps'), checkDocumented: true });
console.log(`${warnings} warning(s); the "does not have any documentation" ones are the gaps`);
