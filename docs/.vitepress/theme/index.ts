import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import AppResults from './components/AppResults.vue';
import CharLstmDemo from './components/CharLstmDemo.vue';
import TaggerDemo from './components/TaggerDemo.vue';
import './custom.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('AppResults', AppResults);
    app.component('CharLstmDemo', CharLstmDemo);
    app.component('TaggerDemo', TaggerDemo);
  },
} satisfies Theme;
