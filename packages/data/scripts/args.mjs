// Shared by the scripts: `--data <dir>` (pnpm may pass a literal `--` first).
import { existsSync } from 'node:fs';

export function dataDirFromArgs(argv = process.argv.slice(2)) {
  const args = argv.filter((a) => a !== '--');
  const i = args.indexOf('--data');
  const dir = i >= 0 ? args[i + 1] : args.find((a) => a.startsWith('--data='))?.slice('--data='.length);
  if (!dir) {
    console.error('usage: … --data <dir>   (the folder with ptb/, thucnews/, ud-english-ewt/, snli/)');
    process.exit(2);
  }
  if (!existsSync(dir)) {
    console.error(`data folder ${dir} does not exist`);
    process.exit(2);
  }
  return dir;
}
