"""PyTorch's CPU grid_sample timed by itself, for `npm run bench` (bench/main.ts).

A line protocol on stdin/stdout, so the bench can interleave PyTorch's
repetitions with its own contenders: each request is one JSON line, each reply
one JSON line.
  {"cmd": "setup", "n":, "h":, "w":, "c":, "seed":}    -> {"ok": true}
  {"cmd": "prepare", "sets":}                          -> {"ok": true}
  {"cmd": "run", "pass":, "forward":, "backward":, "threads":, "set":, "reps":}
                                                       -> {"ms": [...]}
  {"cmd": "cpu"}                                       -> {"cpuMs": CPU time used so far}
setup switches to a shape; prepare makes that many buffer sets of it (set 0
for the bench's warm calls, the others for its cold calls, which rotate
through them so that their inputs come from memory, not the caches).
Tensors are NCHW contiguous (PyTorch's own layout); grids are random affine
grids as in the bench. Passes: the forward ones (fwd, fwd-nearest, ...: any
pass whose "forward" gives its "mode" and "padding"), the backward ones (bwd,
bwd-grid, bwd-nearest, ...: "backward" gives the "mode" and whether the input
gradient is wanted, "inputGrad"), and step (affine_grid + grid_sample forward
and backward to theta). Backward passes time the backward kernel alone
(aten.grid_sampler_2d_backward with its output_mask), except step, which is
a whole autograd step.
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

state = {"size": None, "seed": 1, "sets": []}


def random_theta(n, gen):
    angle = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(30)
    scale = 0.8 + 0.4 * torch.rand(n, generator=gen)
    shift = (torch.rand(n, 2, generator=gen) * 2 - 1) * 0.2
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1),
                         torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    return theta.float()


def setup(req):
    state["size"] = (req["n"], req["c"], req["h"], req["w"])
    state["seed"] = req.get("seed", 1)
    state["sets"] = []


def make_set(k):
    gen = torch.Generator().manual_seed(state["seed"] + k)
    n, c, h, w = state["size"]
    s = {"input": torch.rand(n, c, h, w, generator=gen) * 2 - 1,
         "theta": random_theta(n, gen)}
    s["grid"] = F.affine_grid(s["theta"], state["size"], align_corners=False)
    s["gout"] = torch.rand(n, c, h, w, generator=gen) * 2 - 1
    return s


def prepare(req):
    while len(state["sets"]) < req["sets"]:
        state["sets"].append(make_set(len(state["sets"])))


INTERPOLATION = {"bilinear": 0, "nearest": 1, "bicubic": 2}  # PyTorch's enum


def make_pass(name, forward, backward, s):
    inp, grid, gout, theta = s["input"], s["grid"], s["gout"], s["theta"]
    if forward is not None:
        mode, padding = forward["mode"], forward["padding"]
        return lambda: F.grid_sample(inp, grid, mode=mode, padding_mode=padding,
                                     align_corners=False)
    if backward is not None:
        interp = INTERPOLATION[backward["mode"]]
        mask = [backward["inputGrad"], True]
        op = torch.ops.aten.grid_sampler_2d_backward
        return lambda: op(gout, inp, grid, interp, 0, False, mask)
    if name == "step":
        def step():
            t = theta.clone().requires_grad_(True)
            g = F.affine_grid(t, state["size"], align_corners=False)
            out = F.grid_sample(inp, g, mode="bilinear", padding_mode="zeros",
                                align_corners=False)
            return torch.autograd.grad(out, t, gout)
        return step
    raise ValueError("unknown pass " + name)


def run(req):
    torch.set_num_threads(req["threads"])
    fn = make_pass(req["pass"], req.get("forward"), req.get("backward"),
                   state["sets"][req["set"]])
    times = []
    with torch.no_grad() if req["pass"] != "step" else torch.enable_grad():
        for _ in range(req["reps"]):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return {"ms": times}


def main():
    print(json.dumps({"ready": True, "torch": torch.__version__,
                      "capability": torch.backends.cpu.get_cpu_capability()}),
          flush=True)
    commands = {"setup": setup, "prepare": prepare}
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["cmd"] in commands:
                commands[req["cmd"]](req)
                reply = {"ok": True}
            elif req["cmd"] == "cpu":  # every thread's user + system time
                reply = {"cpuMs": time.process_time() * 1e3}
            else:
                reply = run(req)
        except Exception as e:  # reported to the bench, which prints it
            reply = {"error": repr(e)}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
