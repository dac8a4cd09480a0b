import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/gateway';

// electron-builder needs the network to run here, so its configuration is checked instead.
describe('electron-builder.yml', () => {
  const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

  it('names the app and points at the compiled Electron entry', () => {
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('Gatehouse');
    expect(config.extraMetadata.main).toBe(pkg.main);
    expect(pkg.main).toBe('dist/main/electron/main.js');
  });

  it('ships the compiled core, dashboard and icons, and unpacks the native module', () => {
    expect(config.files).toEqual(expect.arrayContaining(['dist/main/**/*.js', 'dist/renderer/**', 'build/icons/**']));
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/better-sqlite3/**']));
    expect(config.npmRebuild).toBe(true);
  });

  it('builds AppImage and deb, a menu-bar dmg, and nsis', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.mac.extendInfo.LSUIElement).toBe(true);
    expect(config.win.target).toEqual(['nsis']);
  });

  it('has every icon it names, and the tray variants', () => {
    for (const icon of [config.icon, config.linux.icon, config.mac.icon, config.win.icon]) expect(existsSync(join(ROOT, icon))).toBe(true);
    for (const state of ['running', 'paused', 'error']) {
      for (const variant of ['light', 'dark', 'Template']) expect(existsSync(join(ROOT, 'build/icons', `tray-${state}-${variant}.png`))).toBe(true);
    }
  });

  it('never downloads at install time', () => {
    expect(JSON.stringify(pkg.scripts)).not.toMatch(/install-app-deps|postinstall/);
  });
});
