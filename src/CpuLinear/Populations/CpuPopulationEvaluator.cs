using System.Collections.Concurrent;
using CommunityToolkit.HighPerformance;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Parallelism;
using CpuLinear.Scoring;

namespace CpuLinear.Populations;

/// <summary>
/// The CPU engine's population evaluator: every member kind, one member pair per work item on the engine's
/// threads, with the population's shared work (x·W₁, x·A for all pairs, and with unit subsets θ's first-layer
/// activations and second-layer product) done once per call on every core.
/// </summary>
/// <remarks>
/// Each member's forward pass is computed by one thread with fixed-order kernels, and the shared products are
/// GEMMs whose every element is one k-ordered FMA chain, so the fitness bits depend neither on the thread count
/// nor on how the pairs are split into ranges. Low-rank weights are never written out: the rank-r terms are
/// applied as each GEMM packs θ's weights (the same bits as a written-out member, which is what a compute backend
/// evaluates).
/// </remarks>
public sealed partial class CpuPopulationEvaluator : IPopulationEvaluator
{
    private readonly EngineSettings _engine;
    private readonly EngineSettings _singleThread;
    private readonly ConcurrentBag<Scratch> _scratch = [];
    private UnitSubsetMembers? _subset;
    private LaterLayerMembers? _later;
    private bool _inBlocks, _subsetPrepared;
    private float[] _shared = [], _gatheredFactor = [], _inputProjection = [], _activationProjection = [];
    private double[] _fitness = [];
    private Call? _call;

    /// <summary>An evaluator on the given threads and kernel path (null: all cores, the registry's path).</summary>
    public CpuPopulationEvaluator(EngineSettings? engine = null)
    {
        _engine = engine ?? EngineSettings.Default;
        _ = _engine.ResolvedThreads;
        _singleThread = _engine with { MaxThreads = 1 };
    }

    /// <inheritdoc />
    public string Description => $"the CPU engine ({_engine.ResolvedPath} kernels, {_engine.ResolvedThreads} threads)";

    /// <inheritdoc />
    public bool Supports(MemberKind kind) =>
        kind is MemberKind.FullRank or MemberKind.LowRank or MemberKind.UnitSubset or MemberKind.LaterLayers or MemberKind.Blocks;

    /// <inheritdoc />
    public EvaluationResult? Evaluate(
        NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre = false)
    {
        PopulationArguments.Validate(theta, generation, batch, firstPair, pairCount, fitness.Length);
        NetworkArchitecture net = theta.Architecture;
        PopulationNoise noise = generation.Noise;
        if (!Supports(noise.Kind))
        {
            throw new NotSupportedException($"{Description} does not evaluate {noise.Kind} members.");
        }

        if (noise is BlockNoise blocks)
        {
            return EvaluateBlocks(theta, generation, blocks, batch, firstPair, pairCount, fitness, scoreCentre);
        }

        int rows = batch.Rows;
        ReadOnlySpan2D<float> inputs = batch.Inputs;
        var lowRank = noise as LowRankNoise;
        var subsets = noise as UnitSubsetNoise;
        if (subsets is not null)
        {
            if (_subset is null || !_subset.Matches(net, subsets.Rank, subsets.Units))
            {
                _subset = new UnitSubsetMembers(net, subsets.Rank, subsets.Units);
            }

            // θ's x·W₁, H₁ and H₁·W₂ once for the whole population, with every core.
            _subset.Prepare(theta, inputs, _engine);
            _subsetPrepared = _inBlocks;
        }
        else if (noise is LaterLayerNoise later)
        {
            if (_later is null || !_later.Matches(net, later.Rank))
            {
                _later = new LaterLayerMembers(net, later.Rank);
            }

            // θ's H₁ and H₁·W₂ once for the whole population: from the unit-subset block of this call if it has
            // already computed them, else with every core.
            if (_subsetPrepared)
            {
                _later.PrepareFrom(_subset!, rows);
            }
            else
            {
                _later.Prepare(theta, inputs, _engine);
            }
        }
        else if (lowRank is not null)
        {
            // x·W₁ once for the whole population, with every core: the shared half of x·(W₁ + σAB).
            Grow(ref _shared, rows * net.Widths[1]);
            var firstWeights = new ReadOnlySpan2D<float>(theta.Values, net.WeightOffset(0), net.Inputs, net.Widths[1], 0);
            Gemm.Multiply(inputs, firstWeights, new Span2D<float>(_shared, 0, rows, net.Widths[1], 0), _engine);
        }

        if (lowRank is not null)
        {
            ProjectPopulation(lowRank, inputs, firstPair, pairCount);
        }

        if (_fitness.Length < 2 * pairCount)
        {
            _fitness = new double[2 * pairCount];
        }

        _call = new Call(theta, generation, batch, firstPair, pairCount);
        try
        {
            // Items 0..count-1 are the range's pairs; item `count` is θ itself (for the reported loss).
            EngineParallel.For(pairCount + (scoreCentre ? 1 : 0), _engine.ResolvedThreads, new PopulationWork(this));
            _fitness.AsSpan(0, 2 * pairCount).CopyTo(fitness);
            return scoreCentre ? _call.Centre : null;
        }
        finally
        {
            _call = null;
        }
    }

    /// <summary>Nothing to release: the buffers are managed arrays.</summary>
    public void Dispose()
    {
    }

    private void EvaluateItem(int item)
    {
        if (!_scratch.TryTake(out Scratch? scratch))
        {
            scratch = new Scratch();
        }

        Call call = _call!;
        NetworkArchitecture net = call.Theta.Architecture;
        scratch.Ensure(net, call.Generation.Noise is LowRankNoise l ? l.Rank : 1, call.Batch.Rows);
        if (item == call.PairCount)
        {
            call.Theta.Values.CopyTo(scratch.Values, 0);
            double loss = ForwardLoss(scratch, call, 0, 0, out int correct);
            call.Centre = new EvaluationResult(correct / (double)call.Batch.Rows, loss, call.Batch.Rows);
        }
        else
        {
            int pair = call.FirstPair + item;
            if (call.Generation.Noise is LowRankNoise lowRank)
            {
                // The pair's columns of x·A₁ (and H₁·A₂), shared by both signs (ProjectPopulation).
                if (lowRank is not LaterLayerNoise)
                {
                    PairColumns(_inputProjection, call.Batch.Rows, item, call.PairCount, lowRank.Rank, scratch.Projection);
                }

                if (lowRank is UnitSubsetNoise or LaterLayerNoise)
                {
                    PairColumns(_activationProjection, call.Batch.Rows, item, call.PairCount, lowRank.Rank, scratch.ActivationProjection);
                }
            }

            _fitness[2 * item] = -ForwardLoss(scratch, call, pair, +1, out _);
            _fitness[(2 * item) + 1] = -ForwardLoss(scratch, call, pair, -1, out _);
        }

        _scratch.Add(scratch);
    }

    // The range's x·A₁ as one GEMM with pairs·r columns (and H₁·A₂ with unit subsets; only H₁·A₂ for later-layer
    // members), on all cores. One GEMM per pair would have r useful columns in a register tile two vectors wide,
    // and pack the batch again for every pair. Each element is the same k-ordered chain either way, so the bits
    // do not change.
    private void ProjectPopulation(LowRankNoise noise, ReadOnlySpan2D<float> inputs, int firstPair, int pairCount)
    {
        if (noise is LaterLayerNoise)
        {
            Project(noise, 1, _later!.FirstActivation(inputs.Height), firstPair, pairCount, ref _activationProjection);
            return;
        }

        Project(noise, 0, inputs, firstPair, pairCount, ref _inputProjection);
        if (noise is UnitSubsetNoise)
        {
            Project(noise, 1, _subset!.FirstActivation(inputs.Height), firstPair, pairCount, ref _activationProjection);
        }
    }

    // source · [A_l of the range's first pair | next pair | ...] into destination (rows x count·r).
    private void Project(LowRankNoise noise, int layer, ReadOnlySpan2D<float> source, int firstPair, int pairCount, ref float[] destination)
    {
        int rank = noise.Rank, fanIn = noise.Architecture.Widths[layer], columns = pairCount * rank, rows = source.Height;
        Grow(ref _gatheredFactor, fanIn * columns);
        Grow(ref destination, rows * columns);
        for (int i = 0; i < pairCount; i++)
        {
            ReadOnlySpan<float> a = noise.Pair(firstPair + i).Slice(noise.Layout.FactorA(layer), fanIn * rank);
            for (int n = 0; n < fanIn; n++)
            {
                a.Slice(n * rank, rank).CopyTo(_gatheredFactor.AsSpan((n * columns) + (i * rank), rank));
            }
        }

        Gemm.Multiply(
            source, new ReadOnlySpan2D<float>(_gatheredFactor, 0, fanIn, columns, 0),
            new Span2D<float>(destination, 0, rows, columns, 0), _engine);
    }

    // Item i's r columns of a range projection (rows x count·r) as rows x r.
    private static void PairColumns(float[] projection, int rows, int item, int pairCount, int rank, float[] destination)
    {
        int columns = pairCount * rank;
        for (int n = 0; n < rows; n++)
        {
            projection.AsSpan((n * columns) + (item * rank), rank).CopyTo(destination.AsSpan(n * rank, rank));
        }
    }

    // A block population, block by block: each block's part of the range is evaluated as a population of its own
    // kind (its pair i is the population's pair first(b) + i), so every pair gets the bits it gets on its own. A
    // later-layer block reuses θ's H₁ and H₁·W₂ from a unit-subset block evaluated before it in the same call.
    private EvaluationResult? EvaluateBlocks(
        NetworkParameters theta, GenerationRequest generation, BlockNoise blocks, Minibatch batch, int firstPair, int pairCount, Span<double> fitness, bool scoreCentre)
    {
        EvaluationResult? centre = null;
        bool centreDone = !scoreCentre;
        _inBlocks = true;
        _subsetPrepared = false;
        try
        {
            for (int b = 0; b < blocks.Blocks.Count; b++)
            {
                PopulationNoise block = blocks.Blocks[b];
                int blockFirst = blocks.FirstPairOf(b);
                int from = Math.Max(firstPair, blockFirst), to = Math.Min(firstPair + pairCount, blockFirst + block.Pairs);
                bool last = b == blocks.Blocks.Count - 1;
                if (to <= from && (centreDone || !last))
                {
                    continue;
                }

                int count = Math.Max(to - from, 0);
                int local = count > 0 ? from - blockFirst : 0;
                Span<double> part = count > 0 ? fitness.Slice(2 * (from - firstPair), 2 * count) : [];
                EvaluationResult? result = Evaluate(theta, generation with { Noise = block }, batch, local, count, part, !centreDone);
                if (!centreDone)
                {
                    centre = result;
                    centreDone = true;
                }
            }
        }
        finally
        {
            _inBlocks = false;
            _subsetPrepared = false;
        }

        return centre;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }

    // What one Evaluate call works on; the work items read it, the centre's item writes Centre.
    private sealed class Call(NetworkParameters theta, GenerationRequest generation, Minibatch batch, int firstPair, int pairCount)
    {
        public NetworkParameters Theta { get; } = theta;

        public GenerationRequest Generation { get; } = generation;

        public Minibatch Batch { get; } = batch;

        public int FirstPair { get; } = firstPair;

        public int PairCount { get; } = pairCount;

        public EvaluationResult? Centre { get; set; }
    }

    private readonly struct PopulationWork(CpuPopulationEvaluator evaluator) : IWorkItems
    {
        public void Run(int index) => evaluator.EvaluateItem(index);
    }
}
