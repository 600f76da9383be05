"""Generate PyTorch reference fixtures for gridSample and affineGrid.

Run from the repository root with a Python 3.11 that has torch and numpy
(torch is a fixture tool only, never a runtime dependency of the package):

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch numpy
    /tmp/torchenv/bin/python scripts/make_fixtures.py

(i.e. `python3 scripts/make_fixtures.py` with any python that has torch). It
writes test/fixtures/grid_sample.json and test/fixtures/affine_grid.json. The
output is deterministic (fixed seed, one torch thread), so rerunning it with
the same torch version reproduces the files byte for byte.

Layout is tfjs's NHWC throughout; every array is flat, row-major:

grid_sample.json: {"torchVersion", "seed", "cases": [{
    "name", "mode" ("bilinear"|"nearest"|"bicubic"),
    "paddingMode" ("zeros"|"border"|"reflection"), "alignCorners",
    "inputShape": [N,H,W,C], "gridShape": [N,Ho,Wo,2],
    "input": [N*H*W*C], "grid": [N*Ho*Wo*2] as (x, y) pairs,
    "gradOutput": [N*Ho*Wo*C], "output": [N*Ho*Wo*C],
    "gradInput": [N*H*W*C], "gradGrid": [N*Ho*Wo*2],
    "specialPoints": indices p (into the N*Ho*Wo grid points; the point's
        x is grid[2p], y is grid[2p+1]) that hold hand-picked coordinates}]}
  output   = F.grid_sample(input_nchw, grid, mode, padding_mode, align_corners)
             permuted back to NHWC, with input_nchw = input.permute(0,3,1,2);
  gradInput, gradGrid = gradients of sum(output * gradOutput).

affine_grid.json: {"torchVersion", "seed", "cases": [{
    "name", "alignCorners", "size": [N,Ho,Wo,C], "theta": [N*2*3],
    "grid": [N*Ho*Wo*2], "gradGrid": [N*Ho*Wo*2], "gradTheta": [N*2*3]}]}
  grid      = F.affine_grid(theta, (N, C, Ho, Wo), align_corners) (already NHWC);
  gradTheta = gradient of sum(grid * gradGrid).

All computation is float32 on the CPU. Every number is written as the
shortest decimal that parses back (via float64, then rounding to float32,
i.e. Float32Array / Math.fround) to exactly the float32 value; compare after
converting to Float32Array, not against the raw float64 JSON numbers.
No NaN or Inf appears anywhere (the package deliberately differs from PyTorch
for non-finite coordinates).

Hand-picked ("special") grid coordinates, per axis of size S, chosen in
float32 so that both of PyTorch's unnormalisation formulas (the scalar one
and the vectorised CPU one) give the target source coordinate exactly:
  -1, 0, 1; pixel centres (source coordinate 0, mid, S-1); half-way points
  (source coordinate -0.5, 0.5, mid+0.5, S-1.5, S-0.5), where nearest rounds
  half to even; and far-out values (+-2.2, +-3, 4.4, -5.25) for the
  reflection/border arithmetic. The remaining points are uniform in
  [-1.3, 1.3].
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20240531
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "test", "fixtures")

# lib/vocabulary.ts's modes and paddings (test/pytorch.test.ts checks that the
# fixtures cover every combination of that list).
MODES = ["bilinear", "nearest", "bicubic"]
# The first modes share one generator, in the order they always had; a mode
# added later draws from its own (seeded by its index), so adding one leaves
# the existing cases byte for byte as they were.
SHARED_RNG_MODES = ["bilinear", "nearest"]
PADDINGS = ["zeros", "border", "reflection"]
ALIGNS = [False, True]
# (N, H, W, C, Ho, Wo)
SAMPLER_SHAPES = [
    (2, 5, 7, 3, 4, 6),
    (1, 1, 1, 2, 3, 3),  # 1x1 image
    (1, 4, 4, 1, 9, 2),
    (3, 6, 5, 4, 5, 5),
]
# (N, Ho, Wo, C)
AFFINE_SIZES = [(2, 5, 7, 3), (1, 1, 1, 1), (1, 1, 4, 1), (3, 6, 2, 2), (1, 8, 8, 1)]

F32 = np.float32


# ---------------------------------------------------------------- float output


def fmt(v) -> str:
    """Shortest decimal that round-trips the float32 value (JSON-valid)."""
    v = F32(v)
    if not np.isfinite(v):
        raise ValueError(f"non-finite value {v}")
    s = np.format_float_scientific(v, unique=True, trim="-")  # e.g. 1.5e+00
    mant, exp = s.split("e")
    e = int(exp)
    if -5 <= e < 9:
        s = np.format_float_positional(v, unique=True, trim="-")
    else:
        s = f"{mant}e{e}"
    if s == "-0":
        s = "-0.0"  # Python's json would read "-0" as the integer 0
    assert F32(float(s)) == v and np.signbit(F32(float(s))) == np.signbit(v), (s, v)
    return s


def dump(obj, indent=0) -> str:
    """JSON with one line per array (float arrays via fmt)."""
    pad = "  " * indent
    if isinstance(obj, dict):
        items = [f'{pad}  {json.dumps(k)}: {dump(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(obj, np.ndarray):
        assert obj.dtype == F32
        return "[" + ",".join(fmt(v) for v in obj.ravel()) + "]"
    if isinstance(obj, list) and obj and isinstance(obj[0], dict):
        return "[\n" + ",\n".join(pad + "  " + dump(v, indent + 1) for v in obj) + f"\n{pad}]"
    return json.dumps(obj)


def write(name, doc):
    path = os.path.join(OUT_DIR, name)
    text = dump(doc) + "\n"
    with open(path, "w") as f:
        f.write(text)
    # Round-trip check: every float array parses back to the same float32 bits.
    back = json.loads(text)
    for case, orig in zip(back["cases"], doc["cases"]):
        for k, v in orig.items():
            if isinstance(v, np.ndarray):
                parsed = np.asarray(case[k], dtype=np.float64).astype(F32)
                assert parsed.tobytes() == v.astype(F32).tobytes(), (name, case["name"], k)
    print(f"wrote {os.path.relpath(path, ROOT)}: {len(doc['cases'])} cases, {len(text)} bytes")


# ------------------------------------------------------------- special points


def unnormalise_variants(g, size, align_corners):
    """PyTorch's source coordinate for grid value g, both ways it computes it (float32)."""
    g = F32(g)
    one, two, half = F32(1), F32(2), F32(0.5)
    if align_corners:
        scalar = ((g + one) / two) * F32(size - 1)   # grid_sampler_unnormalize
        vector = (g + one) * (F32(size - 1) / two)   # GridSamplerKernel.cpp
    else:
        scalar = ((g + one) * F32(size) - one) / two
        vector = (g + one) * (F32(size) / two) - half
    return scalar, vector


def grid_value_for(coord, size, align_corners):
    """A float32 grid value whose source coordinate is exactly `coord`, or None."""
    if align_corners:
        if size == 1:
            return None  # everything maps to 0
        g0 = 2.0 * coord / (size - 1) - 1.0
    else:
        g0 = (2.0 * coord + 1.0) / size - 1.0
    base = F32(g0)
    candidates = [base]
    up = down = base
    for _ in range(64):
        up = np.nextafter(up, F32(np.inf))
        down = np.nextafter(down, F32(-np.inf))
        candidates += [up, down]
    for g in candidates:
        if all(c == F32(coord) for c in unnormalise_variants(g, size, align_corners)):
            return float(g)
    return None


def special_values(size, align_corners):
    """Hand-picked grid values along one axis of `size` pixels."""
    mid = (size - 1) // 2
    coords = [0.0, float(mid), float(size - 1),                      # pixel centres
              -0.5, 0.5, mid + 0.5, size - 1.5, size - 0.5]          # half-way points
    values = [-1.0, 0.0, 1.0]
    for c in coords:
        g = grid_value_for(c, size, align_corners)
        if g is not None:
            values.append(g)
    values += [2.2, -2.2, 3.0, -3.0, 4.4, -5.25]
    out = []
    for v in values:  # dedupe, keep order
        if v not in out:
            out.append(v)
    return out


# ---------------------------------------------------------------- grid sample


def grid_sample_case(rng, mode, padding, align, shape):
    n, h, w, c, ho, wo = shape
    inp = rng.uniform(-1, 1, (n, h, w, c)).astype(F32)
    grid = rng.uniform(-1.3, 1.3, (n, ho, wo, 2)).astype(F32)
    grad_out = rng.uniform(-1, 1, (n, ho, wo, c)).astype(F32)

    xs = special_values(w, align)
    ys = special_values(h, align)
    points = n * ho * wo
    count = min(max(len(xs), len(ys)), (3 * points) // 4)
    where = np.sort(rng.permutation(points)[:count])
    # Pair x and y specials with different strides so combinations vary.
    flat = grid.reshape(points, 2)
    for k, p in enumerate(where):
        flat[p, 0] = xs[k % len(xs)]
        flat[p, 1] = ys[(3 * k + 1) % len(ys)]

    x = torch.from_numpy(inp).permute(0, 3, 1, 2).contiguous().requires_grad_(True)
    g = torch.from_numpy(grid.copy()).requires_grad_(True)
    out = F.grid_sample(x, g, mode=mode, padding_mode=padding, align_corners=align)
    (out * torch.from_numpy(grad_out).permute(0, 3, 1, 2)).sum().backward()

    output = out.detach().permute(0, 2, 3, 1).contiguous().numpy()
    grad_input = x.grad.permute(0, 2, 3, 1).contiguous().numpy()
    grad_grid = g.grad.numpy()
    for name, a in [("output", output), ("gradInput", grad_input), ("gradGrid", grad_grid)]:
        assert a.dtype == F32 and np.all(np.isfinite(a)), name

    return {
        "name": f"{mode}/{padding}/alignCorners={str(align).lower()}/"
                f"{n}x{h}x{w}x{c}->{ho}x{wo}",
        "mode": mode,
        "paddingMode": padding,
        "alignCorners": align,
        "inputShape": [n, h, w, c],
        "gridShape": [n, ho, wo, 2],
        "specialPoints": [int(p) for p in where],
        "input": inp,
        "grid": grid,
        "gradOutput": grad_out,
        "output": output,
        "gradInput": grad_input,
        "gradGrid": grad_grid,
    }


# ---------------------------------------------------------------- affine grid


def affine_grid_case(rng, align, size):
    n, ho, wo, c = size
    theta = (np.tile(np.array([[1, 0, 0], [0, 1, 0]], np.float64), (n, 1, 1))
             + rng.uniform(-0.6, 0.6, (n, 2, 3))).astype(F32)
    grad_grid = rng.uniform(-1, 1, (n, ho, wo, 2)).astype(F32)

    t = torch.from_numpy(theta).requires_grad_(True)
    grid = F.affine_grid(t, [n, c, ho, wo], align_corners=align)
    assert tuple(grid.shape) == (n, ho, wo, 2)
    (grid * torch.from_numpy(grad_grid)).sum().backward()
    out = grid.detach().numpy()
    grad_theta = t.grad.numpy()
    for name, a in [("grid", out), ("gradTheta", grad_theta)]:
        assert a.dtype == F32 and np.all(np.isfinite(a)), name

    return {
        "name": f"alignCorners={str(align).lower()}/{n}x{ho}x{wo}x{c}",
        "alignCorners": align,
        "size": [n, ho, wo, c],
        "theta": theta,
        "grid": out,
        "gradGrid": grad_grid,
        "gradTheta": grad_theta,
    }


def main():
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    os.makedirs(OUT_DIR, exist_ok=True)

    cases = []
    for index, mode in enumerate(MODES):
        mode_rng = rng if mode in SHARED_RNG_MODES else np.random.default_rng([SEED, index])
        cases += [grid_sample_case(mode_rng, mode, padding, align, shape)
                  for padding in PADDINGS for align in ALIGNS for shape in SAMPLER_SHAPES]
    write("grid_sample.json", {"torchVersion": torch.__version__, "seed": SEED, "cases": cases})

    cases = [affine_grid_case(rng, align, size) for align in ALIGNS for size in AFFINE_SIZES]
    write("affine_grid.json", {"torchVersion": torch.__version__, "seed": SEED, "cases": cases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
