import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { REPO_URL, repoLinks } from './plugins/repo-links';

const srcDir = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Dead links into the repository found while rendering (the build fails on any). */
const deadLinks: string[] = [];

/** The API sidebar TypeDoc wrote (scripts/prepare.mjs runs it before every build). */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = `${srcDir}/api/typedoc-sidebar.json`;
  if (!existsSync(file)) return [];
  const items = JSON.parse(readFileSync(file, 'utf8')) as DefaultTheme.SidebarItem[];
  const order = ['tensor', 'nn', 'data', 'train', 'rl', 'backend-webgpu', 'backend-cuda', 'cpu-native'];
  const rank = (item: DefaultTheme.SidebarItem) => order.indexOf(item.text?.replace('@rnn/', '') ?? '');
  return items.sort((a, b) => rank(a) - rank(b));
}

const guide: DefaultTheme.SidebarItem[] = [
  {
    text: 'Guide',
    items: [
      { text: 'Getting started', link: '/guide/getting-started' },
      { text: 'Coming from PyTorch', link: '/guide/from-pytorch' },
      { text: 'Packed sequences', link: '/guide/packed-sequences' },
      { text: 'Memory', link: '/guide/memory' },
      { text: 'Data loading', link: '/guide/data-loading' },
      { text: 'PyTorch weights', link: '/guide/pytorch-weights' },
      { text: 'Backends', link: '/guide/backends' },
      { text: 'Writing a backend', link: '/guide/writing-a-backend' },
    ],
  },
  {
    text: 'Design',
    items: [
      { text: 'Architecture', link: '/architecture' },
      { text: 'CPU benchmarks', link: '/benchmarks' },
    ],
  },
];

const apps: DefaultTheme.SidebarItem[] = [
  {
    text: 'Apps',
    items: [
      { text: 'Overview', link: '/apps/' },
      { text: 'POS tagger', link: '/apps/pos-tagger' },
      { text: 'Language model', link: '/apps/rnn-lm' },
      { text: 'Text classifier', link: '/apps/text-classifier' },
      { text: 'SPINN', link: '/apps/spinn' },
    ],
  },
  {
    text: 'Live demos',
    items: [
      { text: 'Train a character LSTM', link: '/demos/char-lstm' },
      { text: 'Tag with a checkpoint', link: '/demos/pos-tagger' },
    ],
  },
];

export default defineConfig({
  title: '@rnn',
  description: 'A TypeScript deep-learning framework for recurrent networks, for people coming from PyTorch.',
  base: process.env.DOCS_BASE ?? '/',
  cleanUrls: true,
  lastUpdated: false,
  srcExclude: ['scripts/**', 'test/**', 'demos/lib/**', 'README.md'],
  // Dead links between pages fail the build (VitePress's default); so do dead links into the repo.
  ignoreDeadLinks: false,
  head: [['link', { rel: 'icon', href: 'data:,' }]],
  markdown: {
    config(md) {
      repoLinks(md, { repoRoot, srcDir, deadLinks });
    },
  },
  vite: {
    // App results (plots) live outside docs/; the dev server may read the whole repository.
    server: { fs: { allow: [repoRoot] } },
    build: { chunkSizeWarningLimit: 3000 },
  },
  buildEnd() {
    const unique = [...new Set(deadLinks)];
    if (unique.length > 0) {
      throw new Error(`dead links into the repository:\n  ${unique.join('\n  ')}`);
    }
  },
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/getting-started', activeMatch: '^/guide/' },
      { text: 'Apps', link: '/apps/', activeMatch: '^/apps/' },
      { text: 'Demos', link: '/demos/char-lstm', activeMatch: '^/demos/' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/guide/': guide,
      '/architecture': guide,
      '/benchmarks': guide,
      '/apps/': apps,
      '/demos/': apps,
      '/api/': [{ text: 'API reference', link: '/api/', items: apiSidebar() }],
    },
    socialLinks: [{ icon: 'github', link: REPO_URL }],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    footer: { message: 'MIT licensed. Generated from the repository at build time.' },
  },
});
