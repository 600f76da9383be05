// Pictures drawn into an RGB pixel buffer and encoded with tf.node.encodePng:
// the paper's Figure 1 (inputs beside what the transformer made of them) and a
// plot of train/test error per epoch.
import * as tf from '@tensorflow/tfjs-node';

/** An RGB image held in bytes. */
export class Canvas {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background = 255) {
    this.data = new Uint8Array(width * height * 3).fill(background);
  }

  set(x: number, y: number, rgb: readonly number[]): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(rgb, (y * this.width + x) * 3);
  }

  rect(x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, rgb);
  }

  line(x0: number, y0: number, x1: number, y1: number, rgb: readonly number[], thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const r = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps, y = y0 + ((y1 - y0) * s) / steps;
      this.rect(Math.round(x) - r, Math.round(y) - r, thickness, thickness, rgb);
    }
  }

  /** A grey image (values in [0, 1], white ink on black), each pixel drawn as a `zoom`² block. */
  image(x: number, y: number, pixels: ArrayLike<number>, w: number, h: number, zoom: number): void {
    for (let j = 0; j < h; j++) {
      for (let i = 0; i < w; i++) {
        const v = Math.round(255 * Math.max(0, Math.min(1, pixels[j * w + i])));
        this.rect(x + i * zoom, y + j * zoom, zoom, zoom, [v, v, v]);
      }
    }
  }

  /** Text in a 3×5 pixel font scaled by `scale`; characters without a glyph are blank. */
  text(x: number, y: number, text: string, rgb: readonly number[], scale = 2): void {
    for (const ch of text.toLowerCase()) {
      const glyph = FONT[ch];
      if (glyph) {
        for (let row = 0; row < 5; row++) {
          for (let col = 0; col < 3; col++) {
            if (glyph[row][col] === '#') this.rect(x + col * scale, y + row * scale, scale, scale, rgb);
          }
        }
      }
      x += 4 * scale;
    }
  }

  async png(): Promise<Uint8Array> {
    const tensor = tf.tensor3d(this.data, [this.height, this.width, 3], 'int32');
    try {
      return await tf.node.encodePng(tensor);
    } finally {
      tensor.dispose();
    }
  }
}

const FONT: Record<string, string[]> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'], '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'], '3': ['###', '..#', '.##', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'], '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'], '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'], '9': ['###', '#.#', '###', '..#', '###'],
  '.': ['...', '...', '...', '...', '.#.'], '%': ['#.#', '..#', '.#.', '#..', '#.#'],
  ':': ['...', '.#.', '...', '.#.', '...'], '-': ['...', '...', '###', '...', '...'],
  'a': ['.#.', '#.#', '###', '#.#', '#.#'], 'c': ['###', '#..', '#..', '#..', '###'],
  'e': ['###', '#..', '##.', '#..', '###'], 'h': ['#.#', '#.#', '###', '#.#', '#.#'],
  'i': ['###', '.#.', '.#.', '.#.', '###'], 'n': ['##.', '#.#', '#.#', '#.#', '#.#'],
  'o': ['###', '#.#', '#.#', '#.#', '###'], 'p': ['###', '#.#', '###', '#..', '#..'],
  'r': ['##.', '#.#', '##.', '#.#', '#.#'], 's': ['###', '#..', '###', '..#', '###'],
  't': ['###', '.#.', '.#.', '.#.', '.#.'], 'u': ['#.#', '#.#', '#.#', '#.#', '###'],
  'x': ['#.#', '#.#', '.#.', '#.#', '#.#'], 'y': ['#.#', '#.#', '.#.', '.#.', '.#.'],
  'm': ['#.#', '###', '###', '#.#', '#.#'], 'l': ['#..', '#..', '#..', '#..', '###'],
  'd': ['##.', '#.#', '#.#', '#.#', '##.'], 'f': ['###', '#..', '##.', '#..', '#..'],
  'g': ['###', '#..', '#.#', '#.#', '###'], 'b': ['##.', '#.#', '##.', '#.#', '##.'],
  'k': ['#.#', '##.', '#..', '##.', '#.#'], 'v': ['#.#', '#.#', '#.#', '#.#', '.#.'],
  'w': ['#.#', '#.#', '###', '###', '#.#'], 'z': ['###', '..#', '.#.', '#..', '###'],
  '=': ['...', '###', '...', '###', '...'], '/': ['..#', '..#', '.#.', '#..', '#..'],
  '(': ['.#.', '#..', '#..', '#..', '.#.'], ')': ['.#.', '..#', '..#', '..#', '.#.'],
};

/** One image per panel column: [count, h, w] values in [0, 1]. */
export interface Panel {
  pixels: Float32Array;
  height: number;
  width: number;
}

/**
 * The paper's Figure 1: for each of the first images, the input and then what
 * each transformer made of it, side by side; `columns` such groups per row.
 */
export function transformFigure(panels: Panel[], count: number, columns = 4, zoom = 2): Canvas {
  const gap = 4, groupGap = 12;
  const cellH = Math.max(...panels.map((p) => p.height)) * zoom;
  const groupW = panels.reduce((sum, p) => sum + p.width * zoom + gap, -gap);
  const rows = Math.ceil(count / columns);
  const canvas = new Canvas(groupGap + columns * (groupW + groupGap), gap + rows * (cellH + gap), 128);
  for (let k = 0; k < count; k++) {
    let x = groupGap + (k % columns) * (groupW + groupGap);
    const y = gap + Math.floor(k / columns) * (cellH + gap);
    for (const panel of panels) {
      const size = panel.height * panel.width;
      canvas.image(x, y + (cellH - panel.height * zoom) / 2,
          panel.pixels.subarray(k * size, (k + 1) * size), panel.width, panel.height, zoom);
      x += panel.width * zoom + gap;
    }
  }
  return canvas;
}

/** A line plot of train and test error (fractions) per epoch, with axes and labels. */
export function errorPlot(train: number[], test: number[]): Canvas {
  const width = 480, height = 320, left = 56, right = 16, top = 28, bottom = 40;
  const canvas = new Canvas(width, height);
  const epochs = Math.max(train.length, test.length, 1);
  const highest = Math.max(0.01, ...train, ...test);
  const step = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2].find((s) => highest <= 5 * s) ?? 0.2;
  const yMax = Math.min(1, Math.ceil(highest / step - 1e-9) * step);
  const ticks5 = Math.round(yMax / step);
  const px = (epoch: number) => left + ((epoch - (epochs > 1 ? 1 : 0)) / Math.max(1, epochs - 1)) *
      (width - left - right) * (epochs > 1 ? 1 : 0.5);
  const py = (err: number) => height - bottom - (err / yMax) * (height - top - bottom);
  const black = [0, 0, 0], grey = [220, 220, 220], blue = [31, 119, 180], red = [214, 39, 40];
  for (let t = 0; t <= ticks5; t++) {
    const err = step * t;
    canvas.line(left, py(err), width - right, py(err), grey);
    canvas.text(4, py(err) - 5, `${(100 * err).toFixed(step < 0.01 ? 1 : 0)}%`, black);
  }
  canvas.line(left, top, left, height - bottom, black);
  canvas.line(left, height - bottom, width - right, height - bottom, black);
  const ticks = Math.min(epochs, 10);
  for (let t = 0; t < ticks; t++) {
    const epoch = epochs === 1 ? 1 : 1 + Math.round((t * (epochs - 1)) / Math.max(1, ticks - 1));
    canvas.line(px(epoch), height - bottom, px(epoch), height - bottom + 4, black);
    canvas.text(px(epoch) - 4, height - bottom + 8, String(epoch), black);
  }
  canvas.text(width / 2 - 20, height - 14, 'epoch', black);
  const series = (values: number[], rgb: number[]) => {
    values.forEach((v, i) => {
      if (i > 0) canvas.line(px(i), py(values[i - 1]), px(i + 1), py(v), rgb, 2);
      canvas.rect(px(i + 1) - 2, py(v) - 2, 5, 5, rgb);
    });
  };
  series(train, blue);
  series(test, red);
  canvas.rect(left + 10, 8, 12, 4, blue);
  canvas.text(left + 26, 6, 'train error', blue);
  canvas.rect(left + 130, 8, 12, 4, red);
  canvas.text(left + 146, 6, 'test error', red);
  return canvas;
}
