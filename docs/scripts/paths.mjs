import { fileURLToPath } from 'node:url';

/** The docs package (the site's source folder). */
export const docsDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
