/**
 * Worked example 2: a small sequence task learned with REINFORCE and a self-critical baseline.
 *
 * The input is a random permutation of `length` tokens; the policy must write it reversed, one token
 * at a time. It only learns how well the whole sequence did (the fraction of positions right, given
 * at the end), never which token was wrong: the credit assignment is the policy gradient's. A token
 * already written is an invalid action and is masked, so every output is a permutation too.
 *
 * Policy: the input's token embeddings, concatenated, give the decoder's first state
 * (`Linear` + tanh); a `GRUCell` reads the previous output and scores the next token. Baseline: the
 * reward of the greedy decoding of the same inputs (Rennie et al. 2017, "self-critical").
 *
 *   const result = trainReverse();
 *   result.sequenceAccuracy   // greedy decoding, whole sequences right, on fresh permutations
 */
import { Adam, Embedding, GRUCell, Linear, Module } from '@rnn/nn';
import {
  arange,
  Generator,
  manualSeed,
  noGrad,
  rand,
  stack,
  type Tensor,
  tensor,
  topk,
  zeros,
} from '@rnn/tensor';
import { Categorical, reinforceLoss } from '../src/index';

/** Options of {@link trainReverse}. */
export interface ReverseOptions {
  /** Tokens per sequence (default 5). */
  length?: number;
  /** Updates (default 150). */
  steps?: number;
  /** Sequences per update (default 64). */
  batch?: number;
  /** Decoder width (default 32). */
  hidden?: number;
  /** Adam's learning rate (default 0.01). */
  lr?: number;
  /** Entropy bonus weight (default 0.01). */
  entropyCoef?: number;
  /** Seed of the weights, the permutations and the samples (default 0). */
  seed?: number;
}

/** What {@link trainReverse} learned. */
export interface ReverseResult {
  /** Greedy decoding on 512 fresh permutations: share of sequences entirely right. */
  sequenceAccuracy: number;
  /** The same, share of positions right. */
  tokenAccuracy: number;
  /** Mean reward of the sampled sequences, per update. */
  rewards: number[];
}

class ReversePolicy extends Module {
  embed: Embedding;
  init: Linear;
  cell: GRUCell;
  out: Linear;

  constructor(
    readonly length: number,
    hidden: number,
  ) {
    super();
    // Tokens 0..length-1, and `length` as the start symbol.
    this.embed = new Embedding(length + 1, 16);
    this.init = new Linear(16 * length, hidden);
    this.cell = new GRUCell(16, hidden);
    this.out = new Linear(hidden, length);
  }

  /**
   * Decodes `length` tokens for inputs `[B, length]`: sampled (`greedy` false) or greedy. Returns the
   * tokens `[B, length]`, their log-probabilities and the policy's entropies (`[B, length]` each).
   */
  decode(inputs: Tensor, greedy: boolean, generator?: Generator) {
    const [B, L] = inputs.shape;
    let h = this.init.forward(this.embed.forward(inputs).reshape([B, L * 16])).tanh();
    let prev = tensor(new Int32Array(B).fill(L));
    let used = zeros([B, L]).gt(0); // tokens already written
    const tokens: Tensor[] = [];
    const logProbs: Tensor[] = [];
    const entropies: Tensor[] = [];
    for (let t = 0; t < L; t++) {
      h = this.cell.forward(this.embed.forward(prev), h);
      const dist = new Categorical({ logits: this.out.forward(h) }, { mask: used.logicalNot() });
      const token = greedy ? dist.mode() : dist.sample({ generator });
      tokens.push(token);
      logProbs.push(dist.logProb(token));
      entropies.push(dist.entropy());
      used = used.logicalOr(oneHot(token, L));
      prev = token;
    }
    return { tokens: stack(tokens, 1), logProb: stack(logProbs, 1), entropy: stack(entropies, 1) };
  }
}

/** Bool `[B, classes]`: true at each row's `index`. */
function oneHot(index: Tensor, classes: number): Tensor {
  return arange(0, classes, 1, { dtype: 'int32' }).unsqueeze(0).eq(index.unsqueeze(1));
}

/** `batch` random permutations of `0..length-1` (`[batch, length]`, int32), drawn from `generator`. */
export function permutations(batch: number, length: number, generator: Generator): Tensor {
  return topk(rand([batch, length], { generator }), length, 1).indices;
}

/** Share of positions where `tokens` equals `inputs` reversed, per sequence (`[B]`). */
function reward(inputs: Tensor, tokens: Tensor): Tensor {
  return tokens.eq(inputs.flip(1)).float().mean(1);
}

export function trainReverse(options: ReverseOptions = {}): ReverseResult {
  const length = options.length ?? 5;
  const batch = options.batch ?? 64;
  manualSeed(options.seed ?? 0);
  const data = new Generator((options.seed ?? 0) + 1000);
  const policy = new ReversePolicy(length, options.hidden ?? 32);
  const optimizer = new Adam(policy.parameters(), { lr: options.lr ?? 0.01 });
  const rewards: number[] = [];
  for (let step = 0; step < (options.steps ?? 150); step++) {
    const inputs = permutations(batch, length, data);
    const sampled = policy.decode(inputs, false);
    const greedy = noGrad(() => policy.decode(inputs, true));
    const r = reward(inputs, sampled.tokens);
    const { loss } = reinforceLoss(sampled.logProb, r, {
      baseline: reward(inputs, greedy.tokens),
      entropy: sampled.entropy,
      entropyCoef: options.entropyCoef ?? 0.01,
    });
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    rewards.push(r.mean().itemSync());
  }
  const test = permutations(512, length, new Generator((options.seed ?? 0) + 2000));
  const { tokens } = noGrad(() => policy.decode(test, true));
  const right = tokens.eq(test.flip(1)).float();
  return {
    sequenceAccuracy: right.min(1).mean().itemSync(),
    tokenAccuracy: right.mean().itemSync(),
    rewards,
  };
}
