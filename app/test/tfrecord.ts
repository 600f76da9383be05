// A reader of TensorFlow event files written from scratch, so that the tests
// check what TensorBoard will read instead of trusting the writer: TFRecord
// framing (length, masked CRC-32C of the length, data, masked CRC-32C of the
// data) and the few protobuf fields of tensorflow.Event and Summary.Value
// that scalar summaries use.

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), as TFRecord uses it. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC32C_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotate right by 15, add a constant. */
export function maskedCrc(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/**
 * The records of a TFRecord file.
 * @throws Error at the offset of a truncated record or a CRC that does not match.
 */
export function readTfRecords(file: Buffer): Buffer[] {
  const records: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    if (at + 12 > file.length) throw new Error(`truncated record header at byte ${at}`);
    const header = file.subarray(at, at + 8);
    if (file.readUInt32LE(at + 8) !== maskedCrc(header)) throw new Error(`bad length CRC at byte ${at}`);
    const length = Number(file.readBigUInt64LE(at));
    const start = at + 12;
    if (start + length + 4 > file.length) throw new Error(`truncated record at byte ${at}`);
    const data = file.subarray(start, start + length);
    if (file.readUInt32LE(start + length) !== maskedCrc(data)) throw new Error(`bad data CRC at byte ${at}`);
    records.push(data);
    at = start + length + 4;
  }
  return records;
}

type Field = {number: number, wire: number, varint?: bigint, bytes?: Buffer, fixed?: Buffer};

/** The top-level fields of one protobuf message. */
function fields(message: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let value = 0n, shift = 0n;
    for (;;) {
      const b = message[at++];
      if (b === undefined) throw new Error('truncated varint');
      value |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
      shift += 7n;
    }
  };
  while (at < message.length) {
    const key = Number(varint());
    const field: Field = {number: key >>> 3, wire: key & 7};
    if (field.wire === 0) field.varint = varint();
    else if (field.wire === 1) field.fixed = message.subarray(at, at += 8);
    else if (field.wire === 5) field.fixed = message.subarray(at, at += 4);
    else if (field.wire === 2) {
      const length = Number(varint());
      field.bytes = message.subarray(at, at += length);
    } else {
      throw new Error(`unexpected wire type ${field.wire}`);
    }
    out.push(field);
  }
  return out;
}

export interface ScalarValue {
  tag: string;
  /** Summary.Value.simple_value (a float32), or undefined when the value is of another kind. */
  simpleValue?: number;
}

export interface EventRecord {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: ScalarValue[];
}

/** Decodes a tensorflow.Event: wall_time (1), step (2), file_version (3), summary (5) of Value (1). */
export function parseEvent(record: Buffer): EventRecord {
  const event: EventRecord = {wallTime: NaN, step: 0, values: []};
  for (const f of fields(record)) {
    if (f.number === 1 && f.wire === 1) event.wallTime = f.fixed!.readDoubleLE(0);
    if (f.number === 2 && f.wire === 0) event.step = Number(BigInt.asIntN(64, f.varint!));
    if (f.number === 3 && f.wire === 2) event.fileVersion = f.bytes!.toString('utf8');
    if (f.number === 5 && f.wire === 2) {
      for (const v of fields(f.bytes!)) {
        if (v.number !== 1 || v.wire !== 2) continue;
        const value: ScalarValue = {tag: ''};
        for (const g of fields(v.bytes!)) {
          if (g.number === 1 && g.wire === 2) value.tag = g.bytes!.toString('utf8');
          if (g.number === 2 && g.wire === 5) value.simpleValue = g.fixed!.readFloatLE(0);
        }
        event.values.push(value);
      }
    }
  }
  return event;
}
