// Before `vitepress dev` / `vitepress build`: the API reference from the packages' TSDoc.
import { generateApi } from './api.mjs';

const started = performance.now();
const { warnings, errors } = await generateApi({ quiet: process.argv.includes('--quiet') });
if (errors > 0) {
  console.error(`API reference: TypeDoc reported ${errors} error(s)`);
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`API reference written to api/ in ${seconds} s (${warnings} TypeDoc warning(s))`);
