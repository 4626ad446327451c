/**
 * The web app's entry: global styles, then the boot sequence (configuration, auth, shell).
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { Boot } from './app/Boot.js';
import './styles.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <Boot>{(config) => <App config={config} />}</Boot>
  </StrictMode>,
);
