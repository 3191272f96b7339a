import {
  AutogradError,
  createCpuBackend,
  DTypeError,
  manualSeed,
  memory,
  ones,
  randn,
  registerBackend,
  type Tensor,
  tensor,
  tidy,
  ValueError,
  zeros,
} from '@rnn/tensor';
import { describe, expect, it } from 'vitest';
import {
  Dropout,
  Embedding,
  Linear,
  LSTM,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  Sequential,
  StateDictError,
  skipInit,
} from '../src/index';

class Block extends Module {
  proj = new Linear(4, 3);
  norm = new Parameter(ones([3]));
  forward(x: Tensor): Tensor {
    return this.proj.forward(x).mul(this.norm);
  }
}

class Net extends Module {
  embed = new Embedding(5, 4);
  blocks = new ModuleList([new Block(), new Block()]);
  heads = new ModuleDict({ tag: new Linear(3, 2), score: new Linear(3, 1, { bias: false }) });
  running = zeros([3]); // a buffer
  _scratch = zeros([2]); // ignored: leading underscore
  notes: string[] = ['plain data is ignored'];
  forward(tokens: Tensor): Tensor {
    let h = this.embed.forward(tokens);
    for (const b of this.blocks) h = b.forward(h);
    return this.heads.get('tag')!.forward(h);
  }
}

describe('Module: discovery', () => {
  it('finds parameters, buffers and submodules from properties, in definition order, with dotted names', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'embed.weight',
      'blocks.0.norm',
      'blocks.0.proj.weight',
      'blocks.0.proj.bias',
      'blocks.1.norm',
      'blocks.1.proj.weight',
      'blocks.1.proj.bias',
      'heads.tag.weight',
      'heads.tag.bias',
      'heads.score.weight',
    ]);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['running']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['embed', 'blocks', 'heads']);
    expect(net.namedModules().map(([n]) => n)).toEqual([
      '',
      'embed',
      'blocks',
      'blocks.0',
      'blocks.0.proj',
      'blocks.1',
      'blocks.1.proj',
      'heads',
      'heads.tag',
      'heads.score',
    ]);
    // as PyTorch: a module's own tensors come before its children's
    expect(Object.keys(net.stateDict())).toEqual(['running', ...net.namedParameters().map(([n]) => n)]);
    expect(net.numParameters()).toBe(5 * 4 + 2 * (3 + 12 + 3) + 6 + 2 + 3);
    expect(net.parameters().every((p) => p instanceof Parameter && p.requiresGrad && p.kept)).toBe(true);
  });

  it('lists a shared parameter once, and own parameters with recurse = false', () => {
    class Tied extends Module {
      a = new Linear(3, 3);
      b = new Linear(3, 3);
      constructor() {
        super();
        this.b.weight = this.a.weight;
      }
    }
    const t = new Tied();
    expect(t.parameters().length).toBe(3);
    expect(t.namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.bias']);
    expect(new Linear(2, 2).namedParameters('', false).map(([n]) => n)).toEqual(['weight', 'bias']);
    expect(new Net().namedParameters('', false)).toEqual([]);
  });

  it('getParameter finds a dotted name and says which names exist otherwise', () => {
    const net = new Net();
    expect(net.getParameter('heads.tag.bias').shape).toEqual([2]);
    expect(() => new Linear(2, 2).getParameter('nope')).toThrow(
      /has no parameter "nope"; it has: weight, bias/,
    );
  });

  it('call() is forward(), typed', () => {
    const lin = new Linear(2, 3);
    const x = randn([4, 2]);
    expect(lin.call(x).arraySync()).toEqual(lin.forward(x).arraySync());
    const seq = new Sequential(new Linear(2, 3), new Dropout(0), new Linear(3, 1));
    expect(seq.call(x).shape).toEqual([4, 1]);
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    expect(() => seq.at(3)).toThrow(ValueError);
  });

  it('prints a module tree', () => {
    expect(new Sequential(new Linear(2, 3), new Dropout(0.1)).toString()).toBe(
      'Sequential(\n  (0): Linear(inFeatures=2, outFeatures=3, bias=true)\n  (1): Dropout(p=0.1)\n)',
    );
  });
});

describe('Module: modes, gradients and helpers', () => {
  it('train() / eval() reach every submodule', () => {
    const net = new Net();
    net.eval();
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
  });

  it('zeroGrad disposes and clears gradients; requiresGrad_ freezes', () => {
    const lin = new Linear(3, 2);
    lin
      .forward(randn([4, 3]))
      .sum()
      .backward();
    const g = lin.weight.grad!;
    lin.zeroGrad();
    expect(lin.weight.grad).toBeNull();
    expect(g.isDisposed).toBe(true);
    lin.requiresGrad_(false);
    expect(lin.parameters().some((p) => p.requiresGrad)).toBe(false);
    expect(lin.numParameters({ trainableOnly: true })).toBe(0);
  });

  it('apply visits children first, then the module', () => {
    const seen: string[] = [];
    new Sequential(new Linear(1, 1), new Dropout()).apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Linear', 'Dropout', 'Sequential']);
  });

  it('parameters survive memory scopes; a forward/backward step in tidy leaves nothing behind', () => {
    const lin = tidy(() => new Linear(3, 2));
    expect(lin.weight.isDisposed).toBe(false);
    const x = randn([4, 3]);
    const before = memory().tensors;
    for (let i = 0; i < 3; i++) {
      tidy(() => {
        lin.forward(x).sum().backward();
        lin.zeroGrad();
      });
    }
    expect(memory().tensors).toBe(before);
  });

  it('the same seed gives the same initial weights', () => {
    manualSeed(7);
    const a = new LSTM(3, 4).stateDict();
    manualSeed(7);
    const b = new LSTM(3, 4).stateDict();
    for (const k of Object.keys(a)) expect(a[k].arraySync()).toEqual(b[k].arraySync());
  });

  it('skipInit builds zeros without advancing the generator', () => {
    manualSeed(3);
    const m = skipInit(() => new Linear(3, 2));
    expect(m.weight.arraySync()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const afterSkip = randn([2]).arraySync();
    manualSeed(3);
    expect(randn([2]).arraySync()).toEqual(afterSkip);
  });

  it('Parameter shares the storage of its tensor and refuses integer gradients', () => {
    const t = tensor([1, 2]);
    const p = new Parameter(t);
    t.dispose();
    expect(p.arraySync()).toEqual([1, 2]);
    expect(() => new Parameter(tensor([1], { dtype: 'int32' }))).toThrow(AutogradError);
    expect(new Parameter(tensor([1], { dtype: 'int32' }), false).requiresGrad).toBe(false);
  });

  it('dispose() frees parameters and buffers', () => {
    const net = new Net();
    const w = net.embed.weight;
    net.dispose();
    expect(w.isDisposed).toBe(true);
    expect(net.running.isDisposed).toBe(true);
  });
});

describe('Module: state dicts', () => {
  it('round-trips between two models; loading is in place and the state dict is a snapshot', () => {
    const a = new Net();
    const b = new Net();
    const wb = b.embed.weight;
    const sd = a.stateDict();
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.embed.weight).toBe(wb);
    for (const [k, v] of Object.entries(b.stateDict())) expect(v.arraySync()).toEqual(sd[k].arraySync());
    // a later update does not change the snapshot
    const before = sd['embed.weight'].arraySync();
    a.embed.weight.assign(zeros([5, 4]));
    expect(sd['embed.weight'].arraySync()).toEqual(before);
    // disposing the state dict does not touch the model
    for (const t of Object.values(sd)) t.dispose();
    expect(b.embed.weight.isDisposed).toBe(false);
    expect(b.embed.weight.arraySync()).toEqual(before);
  });

  it('accepts a Map', () => {
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    b.loadStateDict(new Map(Object.entries(a.stateDict())));
    expect(b.weight.arraySync()).toEqual(a.weight.arraySync());
  });

  it('lists every missing and unexpected key, shape and dtype mismatch at once, and loads nothing', () => {
    const m = new Net();
    const sd = m.stateDict();
    delete sd['blocks.1.norm'];
    delete sd.running;
    sd['blocks.2.norm'] = ones([3]);
    sd['heads.tag.bias'] = zeros([5]);
    sd['embed.weight'] = zeros([5, 4], { dtype: 'float64' });
    (sd as Record<string, unknown>)['heads.tag.weight'] = [1, 2];
    const before = m.blocks.at(0).proj.weight.arraySync();
    sd['blocks.0.proj.weight'] = zeros([3, 4]);
    let err: StateDictError | undefined;
    try {
      m.loadStateDict(sd);
    } catch (e) {
      err = e as StateDictError;
    }
    expect(err).toBeInstanceOf(StateDictError);
    expect(err!.missingKeys).toEqual(['running', 'blocks.1.norm']);
    expect(err!.unexpectedKeys).toEqual(['blocks.2.norm']);
    expect(err!.mismatches.map((x) => [x.key, x.kind])).toEqual([
      ['embed.weight', 'dtype'],
      ['heads.tag.weight', 'not-a-tensor'],
      ['heads.tag.bias', 'shape'],
    ]);
    expect(err!.message).toMatch(/missing keys: running, blocks\.1\.norm/);
    expect(err!.message).toMatch(/unexpected keys: blocks\.2\.norm/);
    expect(err!.message).toMatch(
      /shape mismatch for "heads\.tag\.bias": the model has \[2\], the state dict \[5\]/,
    );
    expect(err!.message).toMatch(
      /dtype mismatch for "embed\.weight": the model has float32, the state dict float64/,
    );
    expect(m.blocks.at(0).proj.weight.arraySync()).toEqual(before); // nothing loaded
  });

  it('strict: false reports missing and unexpected keys but still fails on shape mismatches', () => {
    const lin = new Linear(2, 2);
    const res = lin.loadStateDict({ weight: zeros([2, 2]), extra: zeros([1]) }, { strict: false });
    expect(res).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] });
    expect(lin.weight.arraySync()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(() => lin.loadStateDict({ weight: zeros([3, 2]) }, { strict: false })).toThrow(StateDictError);
  });

  it('non-persistent buffers stay out of the state dict', () => {
    class WithCache extends Module {
      cache = zeros([2]);
      kept = ones([1]);
      constructor() {
        super();
        this.nonPersistent('cache');
      }
    }
    const m = new WithCache();
    expect(Object.keys(m.stateDict())).toEqual(['kept']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['cache', 'kept']);
  });
});

describe('Module: moving and converting', () => {
  it('asType / double / float convert every floating-point tensor and keep requiresGrad', () => {
    const net = new Net();
    net.embed.weight.requiresGrad = false;
    net.double();
    expect(net.parameters().every((p) => p.dtype === 'float64' && p instanceof Parameter)).toBe(true);
    expect(net.running.dtype).toBe('float64');
    expect(net.embed.weight.requiresGrad).toBe(false);
    expect(net.blocks.at(1).proj.weight.requiresGrad).toBe(true);
    net.float();
    expect(net.parameters().every((p) => p.dtype === 'float32')).toBe(true);
    expect(() => net.asType('int32')).toThrow(DTypeError);
  });

  it('to(backend) moves parameters and buffers; the model runs there', () => {
    registerBackend('cpu-nn-test', () => createCpuBackend('cpu-nn-test'));
    const lin = new Linear(3, 2);
    const w = lin.weight.arraySync();
    lin.to('cpu-nn-test');
    expect(lin.weight.backend.name).toBe('cpu-nn-test');
    expect(lin.weight.arraySync()).toEqual(w);
    const y = lin.forward(randn([1, 3], { backend: 'cpu-nn-test' }));
    expect(y.backend.name).toBe('cpu-nn-test');
    // loading a state dict from another backend moves the tensors
    const other = new Linear(3, 2);
    lin.loadStateDict(other.stateDict());
    expect(lin.weight.backend.name).toBe('cpu-nn-test');
    expect(lin.weight.arraySync()).toEqual(other.weight.arraySync());
  });
});
