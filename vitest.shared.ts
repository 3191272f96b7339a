// Tests run against the TypeScript sources of sibling packages (no build needed first).
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export const workspaceAliases = {
  '@rnn/tensor/testing': `${root}packages/tensor/src/testing/index.ts`,
  '@rnn/tensor/backend': `${root}packages/tensor/src/backend/index.ts`,
  '@rnn/tensor': `${root}packages/tensor/src/index.ts`,
  '@rnn/nn/node': `${root}packages/nn/src/node/index.ts`,
  '@rnn/nn': `${root}packages/nn/src/index.ts`,
  '@rnn/backend-webgpu': `${root}packages/backend-webgpu/src/index.ts`,
};
