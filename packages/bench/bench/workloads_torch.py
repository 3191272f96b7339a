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

SHIFT, REDUCE = 1, 2


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


def gather(sources, refs):
    """Same as `gather` in spinn.ts: one index_select per source, a cat, one index_select to reorder."""
    by_source = {}
    for k, (src, _) in enumerate(refs):
        by_source.setdefault(src, []).append(k)
    parts, order = [], []
    for src in sorted(by_source):
        ks = by_source[src]
        rows = torch.tensor([refs[k][1] for k in ks], dtype=torch.long)
        parts.append(sources[src].index_select(0, rows))
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
        self.c = c
        self.reduce = Reduce(c["hidden"], c["tracker"])
        self.tracker = nn.LSTMCell(3 * c["hidden"], c["tracker"])

    def forward(self, buffer, sentences):
        H = self.c["hidden"]
        B = len(sentences)
        counts, row_of = position_major(sentences)
        sources = [torch.zeros(1, 2 * H)] + list(torch.split(buffer, counts, 0))
        buf_next = [0] * B

        def leaf(b):
            return (1 + buf_next[b], row_of[b][buf_next[b]])
        stacks = [[(0, 0), (0, 0)] for _ in sentences]
        steps = max(len(s["transitions"]) for s in sentences)
        state = None
        for t in range(steps):
            ops = []
            for s in sentences:
                k = t - (steps - len(s["transitions"]))
                ops.append(s["transitions"][k] if k >= 0 else 0)
            buf_top = [leaf(b) if buf_next[b] < len(sentences[b]["tokens"]) else (0, 0) for b in range(B)]
            s1 = [s[-1] for s in stacks]
            s2 = [s[-2] for s in stacks]

            # one gather for the tracker's three inputs: rows [buffer tops; stack tops; second entries]
            tops = gather(sources, buf_top + s1 + s2).narrow(1, 0, H)
            state = self.tracker(tops.reshape(3, B, H).transpose(0, 1).reshape(B, 3 * H), state)
            reducing, lefts, rights = [], [], []
            for b in range(B):
                if ops[b] == SHIFT:
                    stacks[b].append(leaf(b))
                    buf_next[b] += 1
                elif ops[b] == REDUCE:
                    rights.append(stacks[b].pop())
                    lefts.append(stacks[b].pop())
                    reducing.append(b)
            if reducing:
                tracking = state[0].index_select(0, torch.tensor(reducing, dtype=torch.long))
                R = len(reducing)
                pairs = gather(sources, lefts + rights)
                out = self.reduce(pairs.narrow(0, 0, R), pairs.narrow(0, R, R), tracking)
                src = len(sources)
                sources.append(out)
                for row, b in enumerate(reducing):
                    stacks[b].append((src, row))
        h, _ = gather(sources, [s[-1] for s in stacks]).chunk(2, 1)
        return h


def position_major(sentences):
    """Same as `positionMajor` in spinn.ts: words per position, and each word's row among them."""
    longest = max(len(s["tokens"]) for s in sentences)
    counts = [0] * longest
    row_of = []
    for s in sentences:
        rows = []
        for k in range(len(s["tokens"])):
            rows.append(counts[k])
            counts[k] += 1
        row_of.append(rows)
    return counts, row_of


def position_major_tokens(sentences):
    longest = max(len(s["tokens"]) for s in sentences)
    return [s["tokens"][k] for k in range(longest) for s in sentences if k < len(s["tokens"])]


class SpinnClassifier(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed = nn.Embedding(c["vocab"], c["embed"])
        self.embed.weight.requires_grad_(False)
        self.proj = nn.Linear(c["embed"], 2 * c["hidden"])
        self.encoder = Spinn(c)
        self.mlp1 = nn.Linear(4 * c["hidden"], c["mlp"])
        self.mlp2 = nn.Linear(c["mlp"], c["mlp"])
        self.out = nn.Linear(c["mlp"], c["classes"])

    def encode(self, tokens, sentences):
        return self.encoder(self.proj(self.embed(tokens)), sentences)

    def forward(self, prem, hyp, d):
        p = self.encode(prem, d["premises"])
        h = self.encode(hyp, d["hypotheses"])
        features = torch.cat([p, h, p - h, p * h], 1)
        return self.out(F.relu(self.mlp2(F.relu(self.mlp1(features)))))


def build_spinn(c, d):
    model = SpinnClassifier(c)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=c["lr"])
    prem = torch.tensor(position_major_tokens(d["premises"]), dtype=torch.long)
    hyp = torch.tensor(position_major_tokens(d["hypotheses"]), dtype=torch.long)
    labels = torch.tensor(d["labels"], dtype=torch.long)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(prem, hyp, d), labels)
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
