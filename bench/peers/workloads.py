"""PyTorch peers of Hyperweave's reference workloads (shared/WORKLOADS.md), run as the yardstick.

Run with Debian's PyTorch:  apt-get install python3-torch   then   /usr/bin/python3 workloads.py hmlp --threads 1
Threads: the caller should also set OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and OMP_WAIT_POLICY=PASSIVE in
the environment before the process starts (PyTorch at 2 threads is slower than at 1 without PASSIVE);
`./hyperweave bench compare` does that.

Prints one JSON line with the same fields as `./hyperweave bench ... --json`.
"""
import argparse
import json
import math
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("PyTorch is not installed: apt-get install python3-torch (run with /usr/bin/python3)\n")
    sys.exit(3)

T, E, N = 32, 32, 128
WIDTHS = [64, 128, 128, 10]
HIDDEN = 256
CHUNK, CHUNK_EMB = 4096, 16


def target_param_count():
    return sum(WIDTHS[i + 1] * WIDTHS[i] + WIDTHS[i + 1] for i in range(len(WIDTHS) - 1))


P = target_param_count()  # 26122


def mlp(in_dim, out_dim):
    return torch.nn.Sequential(
        torch.nn.Linear(in_dim, HIDDEN), torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.ReLU(),
        torch.nn.Linear(HIDDEN, out_dim))


def targets(weights, x):
    """T target MLPs 64-128-128-10 (ReLU) on x [T,N,64]; weights [T,P] laid out per layer as W [out,in] then b."""
    h = x
    off = 0
    layers = len(WIDTHS) - 1
    for l in range(layers):
        i, o = WIDTHS[l], WIDTHS[l + 1]
        w = weights[:, off:off + o * i].reshape(T, o, i)
        off += o * i
        b = weights[:, off:off + o]
        off += o
        h = torch.baddbmm(b.unsqueeze(1), h, w.transpose(1, 2))
        if l < layers - 1:
            h = torch.relu(h)
    return h


class HMLP(torch.nn.Module):
    """W1: task embeddings -> Linear(32,256) ReLU Linear(256,256) ReLU Linear(256,P)."""

    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(T, E)
        self.net = mlp(E, P)

    def forward(self, ids):
        return self.net(self.emb(ids))


class Chunked(torch.nn.Module):
    """W2: concat(e_t, c_k) in R^48 -> MLP -> chunks of C=4096, concatenated per task and cut to P."""

    def __init__(self):
        super().__init__()
        self.k = math.ceil(P / CHUNK)
        self.emb = torch.nn.Embedding(T, E)
        self.chunks = torch.nn.Parameter(torch.randn(self.k, CHUNK_EMB))
        self.net = mlp(E + CHUNK_EMB, CHUNK)

    def forward(self, ids):
        e = self.emb(ids)
        inp = torch.cat([e.unsqueeze(1).expand(T, self.k, E), self.chunks.unsqueeze(0).expand(T, self.k, CHUNK_EMB)], dim=2)
        out = self.net(inp.reshape(T * self.k, E + CHUNK_EMB))
        return out.reshape(T, self.k * CHUNK)[:, :P]


def step_flops(name):
    target = 2.0 * T * N * sum(WIDTHS[i] * WIDTHS[i + 1] for i in range(len(WIDTHS) - 1))
    if name == "hmlp":
        hyper = 2.0 * T * (E * HIDDEN + HIDDEN * HIDDEN + HIDDEN * P)
    else:
        k = math.ceil(P / CHUNK)
        hyper = 2.0 * T * k * ((E + CHUNK_EMB) * HIDDEN + HIDDEN * HIDDEN + HIDDEN * CHUNK)
    return 3 * (hyper + target)


def run_workload(name, steps, warmup, seed):
    torch.manual_seed(seed)
    model = HMLP() if name == "hmlp" else Chunked()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    ids = torch.arange(T)
    x = torch.randn(T, N, WIDTHS[0])
    labels = torch.randint(0, WIDTHS[-1], (T * N,))

    def step():
        opt.zero_grad(set_to_none=True)
        logits = targets(model(ids), x)
        loss = F.cross_entropy(logits.reshape(T * N, WIDTHS[-1]), labels)
        loss.backward()
        opt.step()
        return loss.item()

    first = None
    for i in range(warmup):
        l = step()
        first = l if first is None else first
    times = []
    last = 0.0
    start = time.perf_counter()
    for i in range(steps):
        t0 = time.perf_counter()
        last = step()
        times.append(time.perf_counter() - t0)
        if first is None:
            first = last
    total = time.perf_counter() - start
    s = sorted(times)
    median = s[len(s) // 2] * 1e3
    return {"workload": name, "backend": "pytorch-%s" % torch.__version__, "threads": torch.get_num_threads(), "steps": steps,
            "steps_per_s": steps / total, "step_ms_median": median, "step_ms_p10": s[len(s) // 10] * 1e3,
            "step_ms_p90": s[min(len(s) - 1, len(s) * 9 // 10)] * 1e3, "gflops": step_flops(name) / (median / 1e3) / 1e9,
            "first_loss": first, "last_loss": last}


def run_bmm(threads, rounds):
    """W3's batched product 32 x [128x64] @ [64x128]: GFLOP/s per round."""
    a = torch.randn(32, 128, 64)
    b = torch.randn(32, 64, 128)
    c = torch.empty(32, 128, 128)
    flops = 2.0 * 32 * 128 * 128 * 64
    for _ in range(200):
        torch.bmm(a, b, out=c)
    out = []
    for _ in range(rounds):
        reps = 300
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.bmm(a, b, out=c)
        out.append(flops * reps / (time.perf_counter() - t0) / 1e9)
    return {"bench": "bmm", "shape": "32x[128x64]@[64x128]", "threads": torch.get_num_threads(),
            "backend": "pytorch-%s" % torch.__version__, "gflops": out}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("workload", choices=["hmlp", "chunked", "bmm"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=5, help="bmm: timing rounds")
    a = p.parse_args()
    if a.threads < 1 or a.steps < 1 or a.warmup < 0:
        p.error("--threads and --steps must be positive, --warmup not negative")
    torch.set_num_threads(a.threads)
    result = run_bmm(a.threads, a.rounds) if a.workload == "bmm" else run_workload(a.workload, a.steps, a.warmup, a.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
