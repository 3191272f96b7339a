"""PyTorch twin of @rnn's CPU benchmark (packages/bench): the same four training workloads and the
matmul sizes, driven step by step by `src/run.ts` so the two frameworks alternate.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"cmd": "hello"}                                  -> {"torch": ..., "threads": ...}
  {"cmd": "build", "id": "A", "config": {...}, "data": {...}}   -> {"ok": true}
  {"cmd": "step"}                                   -> {"seconds": ..., "loss": ...}
  {"cmd": "matmul", "n": 1024, "runs": 5}           -> {"seconds": [...]}
  {"cmd": "quit"}
The configuration and the synthetic data (token ids, lengths, trees) come from @rnn's side, so both
do exactly the same work. Run with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS=2 in the
environment (set before torch is imported; `run.ts` does it) and --threads 2.
"""

import argparse
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

SHIFT, REDUCE = 0, 1  # as @rnn/data and @rnn/spinn


# ---------------------------------------------------------------- A. language model
class LanguageModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["embed"])
        self.lstm = nn.LSTM(c["embed"], c["hidden"])
        self.out = nn.Linear(c["hidden"], c["vocab"])

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.out(h.reshape(-1, h.shape[2]))


def build_lm(c, d):
    model = LanguageModel(c)
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    tokens = torch.tensor(d["tokens"], dtype=torch.long).view(c["bptt"], c["batch"])
    targets = torch.tensor(d["targets"], dtype=torch.long)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(tokens), targets)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), c["clip"])
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------- B. classifier
class Classifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["embed"])
        self.lstm = nn.LSTM(c["embed"], c["hidden"], num_layers=c["layers"], bidirectional=True,
                            dropout=c["dropout"])
        self.out = nn.Linear(2 * c["hidden"], c["classes"])

    def forward(self, tokens):
        h, _ = self.lstm(self.embed(tokens))
        return self.out(h[-1])


def build_classifier(c, d):
    model = Classifier(c)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    tokens = torch.tensor(d["tokens"], dtype=torch.long).view(c["seqLen"], c["batch"])
    labels = torch.tensor(d["labels"], dtype=torch.long)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(tokens), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------- C. tagger
class Tagger(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["embed"])
        self.lstm = nn.LSTM(c["embed"], c["hidden"], bidirectional=True)
        self.out = nn.Linear(2 * c["hidden"], c["tags"])

    def forward(self, tokens, lengths):
        packed = pack_padded_sequence(self.embed(tokens), lengths, enforce_sorted=False)
        h, _ = self.lstm(packed)
        return self.out(h.data)


def build_tagger(c, d):
    lengths = torch.tensor(d["lengths"], dtype=torch.long)
    steps = max(d["lengths"])
    model = Tagger(c)
    opt = torch.optim.SGD(model.parameters(), lr=c["lr"], momentum=0.9)
    tokens = torch.tensor(d["tokens"], dtype=torch.long).view(steps, c["batch"])
    tags = torch.tensor(d["tags"], dtype=torch.long).view(steps, c["batch"])
    packed_tags = pack_padded_sequence(tags, lengths, enforce_sorted=False).data

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(tokens, lengths), packed_tags)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---------------------------------------------------------------- D. SPINN
# The same algorithm as @rnn/spinn's `Spinn` (apps/spinn/src/model/spinn.ts), step for step: sentences
# sorted by length so those still parsing are a prefix, the stacks as tensors (`top`, `second`, and the
# tops of every step), written with index_copy.
class Reduce(nn.Module):
    def __init__(self, hidden, tracker):
        super().__init__()
        self.left = nn.Linear(hidden, 5 * hidden)
        self.right = nn.Linear(hidden, 5 * hidden, bias=False)
        self.track = nn.Linear(tracker, 5 * hidden, bias=False)

    def forward(self, left, right, tracking):
        lh, lc = left.chunk(2, 1)
        rh, rc = right.chunk(2, 1)
        g = self.left(lh) + self.right(rh) + self.track(tracking)
        a, i, f1, f2, o = g.chunk(5, 1)
        c = a.tanh() * i.sigmoid() + f1.sigmoid() * lc + f2.sigmoid() * rc
        h = o.sigmoid() * c.tanh()
        return torch.cat([h, c], 1)


class Tracker(nn.Module):
    def __init__(self, hidden, size):
        super().__init__()
        self.hidden = hidden
        self.cell = nn.LSTMCell(3 * hidden, size)

    def forward(self, buffer, top, second, state):
        H = self.hidden
        return self.cell(torch.cat([buffer[:, :H], top[:, :H], second[:, :H]], 1), state)


def gather_entries(history, zero, refs):
    """Same as `gatherEntries` in spinn.ts: one index_select per step tensor, a cat, one index_select to reorder."""
    by_step = {}
    for k, (step, _) in enumerate(refs):
        by_step.setdefault(step, []).append(k)
    parts, order = [], []
    for step, ks in by_step.items():
        source = zero if step < 0 else history[step]
        rows = [0] * len(ks) if step < 0 else [refs[k][1] for k in ks]
        parts.append(source.index_select(0, torch.tensor(rows, dtype=torch.long)))
        order.extend(ks)
    out = parts[0] if len(parts) == 1 else torch.cat(parts, 0)
    inverse = [0] * len(order)
    for pos, k in enumerate(order):
        inverse[k] = pos
    if inverse == list(range(len(order))):
        return out
    return out.index_select(0, torch.tensor(inverse, dtype=torch.long))


class Spinn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.hidden = c["hidden"]
        self.reduce = Reduce(c["hidden"], c["tracker"])
        self.tracker = Tracker(c["hidden"], c["tracker"])

    def forward(self, leaves, sentences):
        H = self.hidden
        S = len(sentences)
        lengths_in = [len(s["tokens"]) for s in sentences]
        offsets = [0] * S
        for i in range(1, S):
            offsets[i] = offsets[i - 1] + lengths_in[i - 1]
        order = sorted(range(S), key=lambda i: -lengths_in[i])  # stable, as Array.prototype.sort
        length = [lengths_in[i] for i in order]
        steps = [2 * n - 1 for n in length]
        total = leaves.shape[0]
        zero = leaves.new_zeros(1, 2 * H)
        words = torch.cat([leaves, zero], 0)
        buf_next = [0] * S
        stacks = [[-1, -1] for _ in range(S)]
        history = []
        top = leaves.new_zeros(S, 2 * H)
        second = top
        state = None
        n = S
        for t in range(steps[0]):
            while steps[n - 1] <= t:
                n -= 1
            if top.shape[0] > n:
                top, second = top[:n], second[:n]
                state = (state[0][:n], state[1][:n])
            buf_index = [offsets[order[r]] + buf_next[r] if buf_next[r] < length[r] else total for r in range(n)]
            buffer = words.index_select(0, torch.tensor(buf_index, dtype=torch.long))
            state = self.tracker(buffer, top, second, state)
            reducing, thirds = [], []
            for r in range(n):
                st = stacks[r]
                if sentences[order[r]]["transitions"][t] == SHIFT:
                    buf_next[r] += 1
                    st.append(t)
                else:
                    reducing.append(r)
                    thirds.append((st[-3], r))
                    del st[-2:]
                    st.append(t)
            new_top, new_second = buffer, top
            if reducing:
                rows = torch.tensor(reducing, dtype=torch.long)
                tracking = state[0].index_select(0, rows)
                reduced = self.reduce(second.index_select(0, rows), top.index_select(0, rows), tracking)
                third = gather_entries(history, zero, thirds)
                if len(reducing) == n:
                    new_top, new_second = reduced, third
                else:
                    new_top = buffer.index_copy(0, rows, reduced)
                    new_second = top.index_copy(0, rows, third)
            history.append(new_top)
            top, second = new_top, new_second
        roots = gather_entries(history, zero, [(s - 1, r) for r, s in enumerate(steps)])
        inverse = [0] * S
        for r, i in enumerate(order):
            inverse[i] = r
        return roots.index_select(0, torch.tensor(inverse, dtype=torch.long))[:, :H]


class SpinnClassifier(nn.Module):
    """@rnn/spinn's NliClassifier as workload D builds it: frozen vectors, no BatchNorm or dropout, MLP × 2."""

    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["embed"], padding_idx=0)
        self.embed.weight.requires_grad_(False)
        self.proj = nn.Linear(c["embed"], 2 * c["hidden"])
        self.encoder = Spinn(c)
        self.mlp = nn.Sequential(
            nn.Linear(4 * c["hidden"], c["mlp"]), nn.ReLU(), nn.Linear(c["mlp"], c["mlp"]), nn.ReLU()
        )
        self.out = nn.Linear(c["mlp"], c["classes"])

    def forward(self, ids, sentences, B):
        encoding = self.encoder(self.proj(self.embed(ids)), sentences)
        p, h = encoding[:B], encoding[B:]
        return self.out(self.mlp(torch.cat([p, h, p - h, p * h], 1)))


def build_spinn(c, d):
    model = SpinnClassifier(c)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=c["lr"])
    sentences = d["premises"] + d["hypotheses"]
    ids = torch.tensor([w for s in sentences for w in s["tokens"]], dtype=torch.long)
    labels = torch.tensor(d["labels"], dtype=torch.long)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(ids, sentences, len(d["labels"])), labels)
        loss.backward()
        opt.step()
        return loss.item()

    return step


BUILDERS = {"A": build_lm, "B": build_classifier, "C": build_tagger, "D": build_spinn}


def matmul_times(n, runs):
    g = torch.Generator().manual_seed(0)
    a = torch.rand((n, n), generator=g)
    b = torch.rand((n, n), generator=g)
    with torch.inference_mode():
        torch.mm(a, b)
        out = []
        for _ in range(runs):
            t0 = time.perf_counter()
            torch.mm(a, b)
            out.append(time.perf_counter() - t0)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    step = None

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    for line in sys.stdin:
        msg = json.loads(line)
        cmd = msg["cmd"]
        if cmd == "hello":
            reply({"torch": torch.__version__, "threads": torch.get_num_threads()})
        elif cmd == "build":
            step = BUILDERS[msg["id"]](msg["config"], msg["data"])
            reply({"ok": True})
        elif cmd == "step":
            t0 = time.perf_counter()
            loss = step()
            reply({"seconds": time.perf_counter() - t0, "loss": loss})
        elif cmd == "matmul":
            reply({"seconds": matmul_times(msg["n"], msg["runs"])})
        elif cmd == "quit":
            break


if __name__ == "__main__":
    main()
