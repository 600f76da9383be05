// The tests' own event-file reader: CRC-32C known answers, and corruption found.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {describe, expect, test} from 'vitest';

import {crc32c, maskedCrc, parseEvent, readTfRecords} from './tfrecord';

describe('TFRecord reader', () => {
  test('CRC-32C known answers', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(maskedCrc(Buffer.from('123456789'))).toBe((((0xe3069283 >>> 15) | (0xe3069283 << 17)) + 0xa282ead8) >>> 0);
  });

  test('reads what TensorFlow writes, and rejects a flipped bit or a truncated file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-tfrecord-'));
    const writer = tf.node.summaryFileWriter(dir);
    writer.scalar('x/y', 0.25, 3);
    writer.scalar('x/y', -7.5, 12);
    writer.flush();
    const [name] = fs.readdirSync(dir);
    const bytes = fs.readFileSync(path.join(dir, name));
    const events = readTfRecords(bytes).map(parseEvent);
    expect(events.slice(1).map((e) => [e.step, e.values])).toEqual([
      [3, [{tag: 'x/y', simpleValue: 0.25}]], [12, [{tag: 'x/y', simpleValue: -7.5}]]]);
    expect(events.every((e) => Math.abs(e.wallTime - Date.now() / 1000) < 600)).toBe(true);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 6] ^= 1;
    expect(() => readTfRecords(flipped)).toThrow(/bad data CRC at byte \d+/);
    const badLength = Buffer.from(bytes);
    badLength[0] ^= 1;
    expect(() => readTfRecords(badLength)).toThrow('bad length CRC at byte 0');
    expect(() => readTfRecords(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated record at byte \d+/);
    fs.rmSync(dir, {recursive: true, force: true});
  });
});
