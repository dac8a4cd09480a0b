#!/usr/bin/env node
'use strict';
// Draws Gatehouse's icons (app icon and tray variants) as PNGs into build/icons/. The output
// is committed; run this again only to change the artwork. No dependencies: a tiny PNG encoder.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { deflateSync } = require('node:zlib');

const OUT = join(__dirname, '..', 'build', 'icons');

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};
function png(size, pixel) {
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) row.set(pixel((x + 0.5) / size, (y + 0.5) / size), 1 + x * 4);
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

/** A gate: an arch with two posts and a bar; `dot` adds a status dot at the corner. */
function gate(color, dot) {
  return (u, v) => {
    const inArch = (u - 0.5) ** 2 + (v - 0.42) ** 2 < 0.3 ** 2 && v < 0.42;
    const posts = (u > 0.2 && u < 0.32) || (u > 0.68 && u < 0.8);
    const body = (posts && v >= 0.42 && v < 0.88) || (inArch && (u - 0.5) ** 2 + (v - 0.42) ** 2 > 0.18 ** 2) || (v > 0.55 && v < 0.63 && u > 0.2 && u < 0.8);
    if (dot && (u - 0.82) ** 2 + (v - 0.82) ** 2 < 0.17 ** 2) return dot;
    return body ? color : [0, 0, 0, 0];
  };
}

mkdirSync(OUT, { recursive: true });
const states = { running: null, paused: [150, 150, 150, 255], error: [220, 50, 47, 255] };
for (const [state, dot] of Object.entries(states)) {
  writeFileSync(join(OUT, `tray-${state}-dark.png`), png(32, gate([30, 30, 30, 255], dot)));
  writeFileSync(join(OUT, `tray-${state}-light.png`), png(32, gate([240, 240, 240, 255], dot)));
  // macOS template images: black and alpha only; the system tints them.
  writeFileSync(join(OUT, `tray-${state}-Template.png`), png(22, gate([0, 0, 0, 255], dot ? [0, 0, 0, 255] : null)));
  writeFileSync(join(OUT, `tray-${state}-Template@2x.png`), png(44, gate([0, 0, 0, 255], dot ? [0, 0, 0, 255] : null)));
}
const app = (u, v) => {
  const inside = Math.max(Math.abs(u - 0.5), Math.abs(v - 0.5)) < 0.44;
  if (!inside) return [0, 0, 0, 0];
  const glyph = gate([255, 255, 255, 255], null)((u - 0.5) * 1.4 + 0.5, (v - 0.5) * 1.4 + 0.5);
  return glyph[3] ? glyph : [37, 99, 235, 255];
};
writeFileSync(join(OUT, 'icon.png'), png(512, app));
process.stdout.write(`icons written to ${OUT}\n`);
