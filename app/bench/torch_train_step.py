"""The ST-CNN training step of `stn train` in PyTorch, for app/bench/train_step.ts.

The same model as app/src/train/models.ts (st-cnn, affine, 42x42 -> 28x28),
the same data generation (RTS: MNIST digits warped by affine_grid +
grid_sample), softmax cross-entropy and Adam, in PyTorch's NCHW layout. A
line protocol on stdin/stdout, so that the bench interleaves its steps with
the tfjs contenders':
  {"cmd": "setup", "batch":, "threads":, "lr":, "mnist": <folder>} -> {"ok": true, "version":}
  {"cmd": "step"} -> {"data":, "forward":, "backward":, "optimizer":, "loss":}  (ms)
  {"cmd": "profile", "steps":} -> {"kernels": [[name, ms], ...], "total":, "sampler":}
"""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

state = {}


def read_idx(path, header):
    with open(path, "rb") as f:
        raw = f.read()
    return torch.frombuffer(bytearray(raw[header:]), dtype=torch.uint8)


class STCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.loc = nn.Sequential(
            nn.MaxPool2d(2), nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.ReLU(), nn.Flatten(), nn.Linear(256, 32), nn.ReLU())
        self.regression = nn.Linear(32, 6)
        nn.init.zeros_(self.regression.weight)
        with torch.no_grad():
            self.regression.bias.copy_(torch.tensor([1.0, 0, 0, 0, 1, 0]))
        self.classifier = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        theta = self.regression(self.loc(x)).view(-1, 2, 3)
        grid = F.affine_grid(theta, (x.shape[0], 1, 28, 28), align_corners=False)
        return self.classifier(F.grid_sample(x, grid, align_corners=False))


def rts_theta(n, gen):
    """RTS distortions as app/src/train/datasets.ts draws them: output -> source, normalised."""
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)
    angle, scale = u(-math.pi / 4, math.pi / 4), u(0.7, 1.2)
    room = torch.clamp(21 - 14 * scale, min=0) / 21
    tx, ty = (torch.rand(n, generator=gen) * 2 - 1) * room, (torch.rand(n, generator=gen) * 2 - 1) * room
    zoom = (21 / 14) / scale
    c, s = torch.cos(angle) * zoom, torch.sin(angle) * zoom
    return torch.stack([c, s, -(c * tx + s * ty), -s, c, -(-s * tx + c * ty)], 1).view(n, 2, 3)


def make_batch():
    s = state
    idx = torch.randint(0, s["digits"].shape[0], (s["batch"],), generator=s["gen"])
    digits = s["digits"][idx].float().div_(255).unsqueeze(1)
    grid = F.affine_grid(rts_theta(s["batch"], s["gen"]), (s["batch"], 1, 42, 42), align_corners=False)
    return F.grid_sample(digits, grid, padding_mode="zeros", align_corners=False), s["labels"][idx].long()


def setup(req):
    torch.set_num_threads(req["threads"])
    torch.manual_seed(1)
    folder = req["mnist"]
    digits = read_idx(folder + "/train-images-idx3-ubyte", 16).view(-1, 28, 28)
    labels = read_idx(folder + "/train-labels-idx1-ubyte", 8)
    model = STCNN()
    state.update(batch=req["batch"], digits=digits, labels=labels, model=model,
                 opt=torch.optim.Adam(model.parameters(), lr=req["lr"]), gen=torch.Generator().manual_seed(1))


def train(x, y):
    """Forward, backward and Adam on one batch: (forward, backward, optimizer) end times and the loss."""
    s = state
    loss = F.cross_entropy(s["model"](x), y)
    t2 = time.perf_counter()
    s["opt"].zero_grad(set_to_none=True)
    loss.backward()
    t3 = time.perf_counter()
    s["opt"].step()
    return t2, t3, time.perf_counter(), loss.item()


def step():
    t0 = time.perf_counter()
    with torch.no_grad():
        x, y = make_batch()
    t1 = time.perf_counter()
    t2, t3, t4, loss = train(x, y)
    ms = lambda a, b: (b - a) * 1e3
    return {"data": ms(t0, t1), "forward": ms(t1, t2), "backward": ms(t2, t3), "optimizer": ms(t3, t4),
            "loss": loss}


def profile(req):
    """Per-op self time of the training step alone (not the data), per step; the sampler's part."""
    from torch.profiler import ProfilerActivity, profile as torch_profile
    with torch.no_grad():
        x, y = make_batch()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(req["steps"]):
            train(x, y)
    totals = {e.key: e.self_cpu_time_total / 1e3 / req["steps"] for e in prof.key_averages()}
    sampler = sum(v for k, v in totals.items() if "grid_sampler" in k or "affine_grid" in k)
    kernels = sorted(totals.items(), key=lambda kv: -kv[1])
    return {"kernels": kernels[:12], "total": sum(totals.values()), "sampler": sampler}


def main():
    for line in sys.stdin:
        req = json.loads(line)
        if req["cmd"] == "setup":
            setup(req)
            reply = {"ok": True, "version": torch.__version__}
        elif req["cmd"] == "step":
            reply = step()
        elif req["cmd"] == "profile":
            reply = profile(req)
        else:
            reply = {"error": "unknown command " + req["cmd"]}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
