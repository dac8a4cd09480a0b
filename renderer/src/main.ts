import { mount } from 'svelte';
import type { DesktopBridge } from '../../shared/ipc';
import App from './App.svelte';
import './app.css';
import { Router } from './lib/router.svelte';
import { Session } from './lib/session.svelte';

// In the tray window the preload hands over `window.gatehouse`; in a browser it is absent.
const bridge = (window as Window & { gatehouse?: DesktopBridge }).gatehouse;
const session = new Session(sessionStorage, bridge);

mount(App, { target: document.getElementById('app')!, props: { session, router: new Router(window) } });
