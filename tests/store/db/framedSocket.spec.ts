import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { framedSocket } from '../../../src/store/db/embedded.js';

const startup = (): Buffer => {
  const body = Buffer.from('user\0postgres\0\0');
  const b = Buffer.alloc(8 + body.length);
  b.writeInt32BE(8 + body.length, 0);
  b.writeInt32BE(196608, 4);
  body.copy(b, 8);
  return b;
};
const typed = (type: string, payload: Buffer): Buffer => {
  const b = Buffer.alloc(5 + payload.length);
  b.write(type, 0);
  b.writeInt32BE(4 + payload.length, 1);
  payload.copy(b, 5);
  return b;
};

describe('framedSocket', () => {
  it('hands the handler only whole protocol messages, in order, whatever the chunking', async () => {
    const raw = new EventEmitter() as unknown as Socket;
    const seen: Buffer[] = [];
    const s = framedSocket(raw);
    s.on('data', async (d: Buffer) => {
      await new Promise((r) => setTimeout(r, 1));
      seen.push(d);
    });
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const q1 = typed('Q', Buffer.from('SELECT 1\0'));
    const big = typed('Q', Buffer.from('SELECT ' + "'" + 'x'.repeat(200_000) + "'\0"));
    const all = Buffer.concat([ssl, startup(), q1, big, q1]);
    // chunks of 7 bytes and 64 KB mixed
    for (let off = 0, i = 0; off < all.length; i++) {
      const n = i % 2 ? 65_536 : 7;
      (raw as unknown as EventEmitter).emit('data', all.subarray(off, off + n));
      off += n;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.concat(seen).equals(all)).toBe(true);
    // every batch ends on a message boundary
    const boundaries = new Set<number>();
    let at = 0;
    for (const m of [ssl, startup(), q1, big, q1]) boundaries.add((at += m.length));
    let end = 0;
    for (const b of seen) expect(boundaries.has((end += b.length))).toBe(true);
    expect(seen.length).toBeGreaterThan(1);
  });
});
