using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;
using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Parallelism;
using CpuLinear.Populations;
using CpuLinear.Randomness;
using CpuLinear.Scoring;
using CpuLinear.Simd;

namespace CpuLinear.Training;

/// <summary>
/// Evolution strategies with activity members: every row of a generation's minibatch gets, for every layer, its own
/// antithetic pairs that add ±σ·δ (δ a vector of random signs) to that row's product hₗ₋₁·Wₗ, and the literal
/// dead-zone layers above it score them. The pairs' loss differences estimate the derivative of the row's loss with
/// respect to the product; each weight matrix's estimate is the layer's input rows times those row estimates.
/// </summary>
/// <remarks>
/// <para>
/// <b>Why.</b> A member that perturbs θ moves every row of the batch through the same ~10⁵-dimensional search, and one
/// generation's estimate is almost all noise (docs/evolution.md). The product a row sees is linear in the layer's
/// weights, so searching it directly is the search over the only directions of Wₗ that row can see: the same
/// smoothed literal loss, a few hundred dimensions per row instead of the whole matrix. Nothing is differentiated: the
/// dead zones, the flushes and the loss are only ever run forward.
/// </para>
/// <para>
/// <b>The member.</b> Member (l, k, ±) of row r runs the literal layer l with its product row replaced by
/// <c>p + (±σ)·δ</c> (one float add per unit, then the layer's own flushed bias add), and every layer after it on that
/// output, unchanged. Its fitness is −(the row's softmax cross-entropy). With <see cref="ActivityUnits.Live"/> only
/// the units whose output is non-zero at the centre and at both ±σ take a sign; the others keep their product.
/// </para>
/// <para>
/// <b>The estimate.</b> ĝₗ[r] = Σₖ (L⁺ − L⁻)·δₖ / (2σ·P·B), summed over pairs in index order; the weight estimate is
/// hₗ₋₁ᵀ·ĝₗ (one GEMM, one chain over rows), the first layer's bias estimate the column sums of ĝ₀. A later layer's
/// bias enters through its own flush at ½: it is estimated from the same sums where it passes that flush and kept
/// otherwise (zero-initialised biases therefore stay at 0, as under FTZ-aware backprop). The update then follows
/// <see cref="EvolutionStrategy"/>'s rule: L2 or decoupled decay, Adam or plain SGD, σ and step-size schedules.
/// </para>
/// <para>
/// <b>Determinism.</b> The batch is a pure function of (seed, g), the signs of (noise seed, g, layer, row, pair), each
/// row's members are run and reduced on their own, the GEMMs keep one chain per element, so θ has the same bits for
/// every thread count and kernel path, and a checkpointed run resumes to the same bits.
/// </para>
/// </remarks>
public sealed class ActivityEvolutionRun : IEvolutionRun
{
    // Pairs run through the layers above in blocks of at most this many (120 member rows: twenty six-row tiles, 240 KB
    // at width 512), so a block's rows stay in the core's cache from their build to their loss.
    private const int PairsPerBlock = 60;
    private const ulong SignTag = 0xAC71_0000UL;

    private readonly EngineSettings _engine;
    private readonly EvolutionMinibatches _minibatches;
    private readonly Minibatch _batch = new();
    private readonly double[] _fitness;
    private readonly float[] _gradient;
    private readonly float[][] _outputs, _flushedBias;

    // Rows the members' kernels load and store whole vectors of start on cache lines (AlignedFloats).
    private readonly AlignedFloats[] _products, _estimates, _packed;
    private readonly KernelPath[] _packedPath;
    private readonly ConcurrentBag<RowScratch> _scratch = [];
    private float[] _transposed = [], _inputs = [];
    private AlignedFloats _eligible = AlignedFloats.Empty;
    private double[] _losses = [];
    private int _capacity;

    // Wall ticks of each part of a generation since the run was made (a profile for the benchmarks): θ's pass and the
    // packing of the layers above, the members, the weight estimate, the update.
    private readonly long[] _phaseTicks = new long[4];

    /// <summary>Starts (or continues) activity-member ES from <paramref name="parameters"/>, updated in place.</summary>
    /// <param name="parameters">θ, updated in place.</param>
    /// <param name="settings">The run's settings; <see cref="EvolutionSettings.ActivityPairs"/> must be positive.</param>
    /// <param name="engine">Threads and kernel path.</param>
    /// <exception cref="ArgumentException">The settings are invalid or ask for members that perturb θ.</exception>
    public ActivityEvolutionRun(NetworkParameters parameters, EvolutionSettings settings, EngineSettings? engine = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (!settings.UsesActivityMembers)
        {
            throw new ArgumentException("An activity run needs ActivityPairs ≥ 1; members that perturb θ run in EvolutionTrainer.", nameof(settings));
        }

        Parameters = parameters;
        Settings = settings;
        _engine = engine ?? EngineSettings.Default;
        _minibatches = new EvolutionMinibatches(settings.BatchSize, settings.Seed);
        Optimizer = new AdamOptimizer(parameters.Values.Length);
        int layers = parameters.Architecture.LayerCount;
        _fitness = new double[2 * settings.ActivityPairs * layers];
        _gradient = new float[parameters.Values.Length];
        _products = new AlignedFloats[layers];
        _outputs = new float[layers][];
        _estimates = new AlignedFloats[layers];
        _flushedBias = new float[layers][];
        _packed = new AlignedFloats[layers];
        _packedPath = new KernelPath[layers];
        for (int l = 0; l < layers; l++)
        {
            int fanOut = parameters.Architecture.Widths[l + 1];
            _packedPath[l] = FollowingLayer.PathFor(_engine.ResolvedPath, fanOut);
            _packed[l] = l == 0 ? AlignedFloats.Empty : new AlignedFloats(FollowingLayer.PackedLength(parameters.Architecture.Widths[l], fanOut, _packedPath[l]));
            _products[l] = _estimates[l] = AlignedFloats.Empty;
            _outputs[l] = [];
            _flushedBias[l] = new float[parameters.Architecture.Widths[l + 1]];
        }
    }

    /// <inheritdoc />
    public NetworkParameters Parameters { get; }

    /// <inheritdoc />
    public EvolutionSettings Settings { get; }

    /// <summary>Adam's state; its step counts the updates made so far.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <inheritdoc />
    public long Generation { get; private set; }

    /// <inheritdoc />
    public bool Finished => Generation >= Settings.Generations;

    /// <inheritdoc />
    public long AdamStep => Optimizer.Step;

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamFirstMoment => Optimizer.FirstMoment;

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamSecondMoment => Optimizer.SecondMoment;

    /// <summary>
    /// The last generation's fitness of member (l, k, +) at index 2(l·P + k) and (l, k, −) at the next: −(mean loss over
    /// the batch's rows), each row running its own signs.
    /// </summary>
    public ReadOnlySpan<double> Fitness => _fitness;

    /// <inheritdoc />
    public string Description => $"the CPU engine (activity members, {Settings.ActivityPairs} pairs per row and layer, {(Settings.ActivityUnits == ActivityUnits.Live ? "live units" : "all units")})";

    /// <summary>The last generation's estimate of ∂(mean loss)/∂(layer <paramref name="layer"/>'s product), batch rows × width.</summary>
    public ReadOnlySpan<float> ProductEstimate(int layer) =>
        _estimates[layer].AsSpan(0, _batch.Rows * Parameters.Architecture.Widths[layer + 1]);

    /// <summary>
    /// The last generation's estimate of the mean loss's gradient with respect to θ (flat layout of
    /// <see cref="NetworkParameters.Values"/>), plus λθ when the decay is L2.
    /// </summary>
    public ReadOnlySpan<float> Estimate => _gradient;

    /// <summary>The phases <see cref="PhaseSeconds"/> counts.</summary>
    internal static readonly string[] PhaseNames = ["centre", "build", "layers", "loss", "reduce", "estimate", "update"];

    /// <summary>
    /// Wall seconds spent so far in each phase of a generation, in the order of <see cref="PhaseNames"/>; the members'
    /// wall time is split between building, the layers above, the losses and the reduction by the threads' time in each.
    /// </summary>
    internal double[] PhaseSeconds
    {
        get
        {
            double[] cpu = new double[4];
            foreach (RowScratch scratch in _scratch)
            {
                for (int i = 0; i < 4; i++)
                {
                    cpu[i] += scratch.Ticks[i];
                }
            }

            double members = _phaseTicks[1] / (double)Stopwatch.Frequency, total = Math.Max(cpu.Sum(), 1);
            return
            [
                _phaseTicks[0] / (double)Stopwatch.Frequency, members * cpu[0] / total, members * cpu[1] / total, members * cpu[2] / total,
                members * cpu[3] / total, _phaseTicks[2] / (double)Stopwatch.Frequency, _phaseTicks[3] / (double)Stopwatch.Frequency,
            ];
        }
    }

    /// <summary>Continues from a saved state: θ is already in <see cref="Parameters"/>.</summary>
    /// <exception cref="ArgumentException">The generation is out of range or the moments have the wrong length.</exception>
    public void Restore(long generation, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long adamStep)
    {
        if (generation < 0 || generation > Settings.Generations)
        {
            throw new ArgumentException($"Generation {generation} is outside the run's 0..{Settings.Generations}.", nameof(generation));
        }

        Optimizer.Restore(firstMoment, secondMoment, adamStep);
        Generation = generation;
    }

    /// <inheritdoc />
    public GenerationSummary Step(LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(data);
        NetworkArchitecture net = Parameters.Architecture;
        if (data.Features != net.Inputs)
        {
            throw new ArgumentException($"The network takes {net.Inputs} inputs; the data has {data.Features} features.", nameof(data));
        }

        if (Finished)
        {
            throw new InvalidOperationException($"The run has done all {Settings.Generations} generations.");
        }

        var clock = Stopwatch.StartNew();
        long g = Generation;
        float sigma = Settings.SigmaAt(g);
        float learningRate = Settings.LearningRateAt(g);
        _minibatches.Gather(data, g, _batch);
        int batch = _batch.Rows;
        EnsureCapacity(batch);
        _batch.Inputs.CopyTo(_inputs.AsSpan(0, batch * net.Inputs));

        // θ's own pass, keeping every layer's product (the member's starting point) and output.
        long tick = Stopwatch.GetTimestamp();
        ReadOnlySpan2D<float> source = new(_inputs, 0, batch, net.Inputs, 0);
        for (int l = 0; l < net.LayerCount; l++)
        {
            int width = net.Widths[l + 1];
            var output = new Span2D<float>(_outputs[l], 0, batch, width, 0);
            FusedExecutor.Layer(Parameters, l, source, output, _flushedBias[l], new Span2D<float>(_products[l].Array, _products[l].Offset, batch, width, 0), _engine);
            source = output;
        }

        double centreLoss = SoftmaxCrossEntropy.Evaluate(source, _batch.Labels, Span2D<float>.Empty, 0f, out int correct) / batch;
        Array.Clear(_fitness);

        // Every layer above the first, packed once for the generation's member rows (the GEMM's panels).
        for (int l = 1; l < net.LayerCount; l++)
        {
            var weights = new ReadOnlySpan2D<float>(Parameters.Values, net.WeightOffset(l), net.Widths[l], net.Widths[l + 1], 0);
            FollowingLayer.Pack(weights, [], [], 0, _packedPath[l], _packed[l].Span);
        }

        tick = Lap(_phaseTicks, 0, tick);
        for (int l = 0; l < net.LayerCount; l++)
        {
            EstimateLayer(l, batch, sigma, g);
        }

        for (int m = 0; m < _fitness.Length; m++)
        {
            _fitness[m] = -_fitness[m] / batch;
        }

        tick = Lap(_phaseTicks, 1, tick);
        AssembleGradient(batch);
        tick = Lap(_phaseTicks, 2, tick);
        EvolutionUpdate.Apply(Parameters.Values, _gradient, Settings, Optimizer, learningRate);
        Lap(_phaseTicks, 3, tick);
        Generation++;
        double mean = 0, best = double.NegativeInfinity;
        foreach (double f in _fitness)
        {
            mean += f;
            best = Math.Max(best, f);
        }

        long memberRows = (long)_fitness.Length * batch;
        return new GenerationSummary(g, sigma, learningRate, centreLoss, (double)correct / batch, mean / _fitness.Length, best, clock.Elapsed.TotalSeconds, memberRows);
    }

    // Adds the ticks since `since` to ticks[phase]; returns now.
    private static long Lap(long[] ticks, int phase, long since)
    {
        long now = Stopwatch.GetTimestamp();
        ticks[phase] += now - since;
        return now;
    }

    // Runs layer l's members a few batch rows at a time (each thread its own rows, in blocks of pairs that stay in cache)
    // and reduces each row's pairs into ĝₗ; adds the members' losses to _fitness.
    private void EstimateLayer(int layer, int batch, float sigma, long generation)
    {
        int pairs = Settings.ActivityPairs, width = Parameters.Architecture.Widths[layer + 1];
        _estimates[layer].AsSpan(0, batch * width).Clear();
        int rowsPerGroup = RowsPerGroup(pairs);
        EngineParallel.For((batch + rowsPerGroup - 1) / rowsPerGroup, _engine.ResolvedThreads, new RowMembers(this, layer, batch, sigma, generation));

        // Fitness sums in row order, then pair order: the same bits whatever the thread count.
        for (int r = 0; r < batch; r++)
        {
            for (int m = 0; m < 2 * pairs; m++)
            {
                _fitness[(2 * pairs * layer) + m] += _losses[(r * 2 * pairs) + m];
            }
        }
    }

    // Batch rows a work item takes: enough that its pairs fill a block (the layers above stream their weights once per
    // block, so a block of few rows would be bound by that stream), and a multiple of three, so the group's pairs split
    // into blocks of a multiple of three pairs: whole six-row tiles, no padded rows computed for nothing.
    private static int RowsPerGroup(int pairs) => Math.Max(3, PairsPerBlock / pairs / 3 * 3);

    // Pairs per block for `total` pairs: balanced blocks of at most PairsPerBlock, rounded up to a multiple of three.
    private static int PairsInBlock(int total)
    {
        int blocks = (total + PairsPerBlock - 1) / PairsPerBlock;
        return ((total + blocks - 1) / blocks + 2) / 3 * 3;
    }

    // The members of rows [first, first + rows) of one layer, pair by pair in (row, pair) order: in blocks of at most
    // PairsPerBlock pairs (balanced, a multiple of three), build the member rows, run the layers above on them, score
    // them, and add each pair to its row's estimate (so each row's pairs are added in pair order).
    private void RunRows(int layer, int first, int rows, float sigma, long generation, RowScratch scratch)
    {
        NetworkArchitecture net = Parameters.Architecture;
        int pairs = Settings.ActivityPairs, width = net.Widths[layer + 1], classes = net.Outputs, layers = net.LayerCount;
        (float inner, float outer) = FusedExecutor.Thresholds(net, layer);
        KernelPath path = _engine.ResolvedPath;
        ReadOnlySpan<float> bias = _flushedBias[layer];
        long tick = Stopwatch.GetTimestamp();
        for (int row = first; row < first + rows; row++)
        {
            Span<float> eligible = _eligible.AsSpan(row * width, width);
            if (Settings.ActivityUnits == ActivityUnits.Live)
            {
                // Live: the centre's output and both ±σ outputs are non-zero (computed with the layer's own element step).
                PerturbedPair.Eligibility(
                    _products[layer].AsSpan(row * width, width), bias, _outputs[layer].AsSpan(row * width, width), sigma, inner, outer, eligible, path);
            }
            else
            {
                eligible.Fill(1f);
            }
        }

        ulong seed = Settings.EffectiveNoiseSeed;
        double scale = 1.0 / (2.0 * sigma * pairs * _batch.Rows);
        int words = PerturbedPair.Words(width), total = rows * pairs, perBlock = PairsInBlock(total);
        for (int start = 0; start < total; start += perBlock)
        {
            int count = Math.Min(perBlock, total - start), memberRows = 2 * count;
            FillBlockSigns(seed, generation, layer, pairs, first + (start / pairs), start % pairs, count, width, scratch.Signs, path == KernelPath.Vector512);
            for (int j = 0; j < count; j++)
            {
                // The pair's steps σ·δ·e (δ = ±1, e = 0 or 1) are exact, so each member's product is one float add away
                // from θ's; δ stays bits, read again by the reduction, whose c·δ·e is exact too.
                int row = first + ((start + j) / pairs);
                Span<uint> signs = scratch.Signs.AsSpan(j * words, words);
                PerturbedPair.Build(
                    _products[layer].AsSpan(row * width, width), bias, _eligible.AsSpan(row * width, width), signs, sigma, inner, outer,
                    scratch.Members.AsSpan(2 * j * width, width), scratch.Members.AsSpan(((2 * j) + 1) * width, width), path);
            }

            tick = scratch.Lap(0, tick);

            // The layers above, on the block's member rows while they are in cache: the layer definition θ's pass ran.
            AlignedFloats current = scratch.Members, spare = scratch.Spare;
            int tileRows = FollowingLayer.PaddedRows(memberRows);
            for (int l = layer + 1; l < layers; l++)
            {
                (float lInner, float lOuter) = FusedExecutor.Thresholds(net, l);
                new FollowingLayer(_packed[l].Span, net.Widths[l], net.Widths[l + 1], _packedPath[l], _flushedBias[l], lInner, lOuter, spare.AsSpan(0, tileRows * net.Widths[l + 1]), path)
                    .Apply(current.Span, memberRows, padToTile: true);
                (current, spare) = (spare, current);
            }

            tick = scratch.Lap(1, tick);
            for (int m = 0; m < memberRows; m++)
            {
                int row = first + ((start + (m / 2)) / pairs);
                _losses[(2 * first * pairs) + (2 * start) + m] = SoftmaxCrossEntropy.RowLoss(current.AsSpan(m * classes, classes), _batch.Labels[row]);
            }

            tick = scratch.Lap(2, tick);
            for (int j = 0; j < count; j++)
            {
                // estimate += c·(δ·e): the product is exactly ±c or 0, so this equals a fused multiply-add bit for bit.
                int row = first + ((start + j) / pairs), member = (2 * first * pairs) + (2 * (start + j));
                float c = (float)((_losses[member] - _losses[member + 1]) * scale);
                PerturbedPair.Accumulate(scratch.Signs.AsSpan(j * words, words), _eligible.AsSpan(row * width, width), c, _estimates[layer].AsSpan(row * width, width), path);
            }

            tick = scratch.Lap(3, tick);
        }
    }

    /// <summary>The signs δ of pair <paramref name="pair"/> of batch row <paramref name="row"/> in layer <paramref name="layer"/>, generation <paramref name="generation"/>: ±1 from one Philox bit each (<see cref="FillSignBits"/>).</summary>
    internal static void FillSigns(ulong seed, long generation, int layer, int row, int pair, Span<float> signs)
    {
        uint[] words = new uint[PerturbedPair.Words(signs.Length)];
        FillSignBits(seed, SignStream(generation, layer, row), pair, signs.Length, words);
        for (int i = 0; i < signs.Length; i++)
        {
            signs[i] = ((words[i / 32] >> (i % 32)) & 1u) == 1u ? -1f : 1f;
        }
    }

    /// <summary>
    /// The sign words of <paramref name="count"/> consecutive pairs in (row, pair) order, rows of
    /// <paramref name="pairsPerRow"/> pairs, from pair <paramref name="pair"/> of batch row <paramref name="row"/>: <see cref="FillSignBits"/>' words, pair after pair.
    /// When a pair's words are whole Philox blocks (width a multiple of 128) a row's run of pairs is one run of blocks.
    /// </summary>
    internal static void FillBlockSigns(ulong seed, long generation, int layer, int pairsPerRow, int row, int pair, int count, int width, Span<uint> words, bool vectorLanes)
    {
        int perPair = PerturbedPair.Words(width), blocksPerPair = (width + 127) / 128;
        for (int done = 0; done < count; row++, pair = 0)
        {
            int run = Math.Min(count - done, pairsPerRow - pair);
            ulong stream = SignStream(generation, layer, row);
            if (width % 128 == 0)
            {
                Philox4x32.Blocks(seed, stream, (ulong)pair * (ulong)blocksPerPair, words.Slice(done * perPair, run * perPair), vectorLanes);
            }
            else
            {
                for (int k = 0; k < run; k++)
                {
                    FillSignBits(seed, stream, pair + k, width, words.Slice((done + k) * perPair, perPair));
                }
            }

            done += run;
        }
    }

    /// <summary>The Philox stream of one (generation, layer, batch row): every pair of the row draws from it.</summary>
    internal static ulong SignStream(long generation, int layer, int row) => CounterRandom.StreamOf((ulong)generation, SignTag | (uint)layer, (ulong)row);

    /// <summary>
    /// The signs of one pair of <paramref name="width"/> units as bits (set: −1): unit i is bit <c>i mod 32</c> of word
    /// <c>i / 32</c>; words 4b … 4b+3 are the four words of Philox block <c>pair·⌈width/128⌉ + b</c> of the row's
    /// <paramref name="stream"/>.
    /// </summary>
    internal static void FillSignBits(ulong seed, ulong stream, int pair, int width, Span<uint> words)
    {
        int blocksPerPair = (width + 127) / 128, count = PerturbedPair.Words(width);
        Span<uint> block = stackalloc uint[4];
        for (int b = 0; b < blocksPerPair; b++)
        {
            // The last block's words past the width are not kept.
            (block[0], block[1], block[2], block[3]) = Philox4x32.Block(seed, stream, ((ulong)pair * (ulong)blocksPerPair) + (ulong)b);
            block[..Math.Min(4, count - (4 * b))].CopyTo(words[(4 * b)..]);
        }
    }

    // ∂W = inputᵀ·ĝ per layer, b₀ from ĝ₀'s column sums, later biases where they pass their flush.
    private void AssembleGradient(int batch)
    {
        NetworkArchitecture net = Parameters.Architecture;
        for (int l = 0; l < net.LayerCount; l++)
        {
            int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
            ReadOnlySpan<float> input = l == 0 ? _inputs.AsSpan(0, batch * fanIn) : _outputs[l - 1].AsSpan(0, batch * fanIn);
            ReadOnlySpan<float> estimate = _estimates[l].AsSpan(0, batch * fanOut);
            Transpose.Apply(input, batch, fanIn, _transposed);
            Gemm.Multiply(fanIn, fanOut, batch, _transposed, batch, estimate, fanOut, _gradient.AsSpan(net.WeightOffset(l), fanIn * fanOut), fanOut, _engine);
            Span<float> biasGradient = _gradient.AsSpan(net.BiasOffset(l), fanOut);
            // Column sums in row order from +0: the chains fma(1, ĝ[r, j], acc) of a ones-row GEMM, each exactly acc + ĝ[r, j].
            biasGradient.Clear();
            for (int r = 0; r < batch; r++)
            {
                TensorPrimitives.Add(biasGradient, estimate.Slice(r * fanOut, fanOut), biasGradient);
            }

            if (l > 0)
            {
                ReadOnlySpan<float> flushed = _flushedBias[l];
                for (int j = 0; j < fanOut; j++)
                {
                    if (flushed[j] == 0f)
                    {
                        biasGradient[j] = 0f;
                    }
                }
            }
        }
    }

    private void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }

        NetworkArchitecture net = Parameters.Architecture;
        int pairs = Settings.ActivityPairs, layers = net.LayerCount;
        int widest = net.Widths.Skip(1).Max();
        for (int l = 0; l < layers; l++)
        {
            int width = net.Widths[l + 1];
            _products[l] = new AlignedFloats(batch * width);
            _outputs[l] = new float[batch * width];
            _estimates[l] = new AlignedFloats(batch * width);
        }

        _losses = new double[batch * 2 * pairs];
        _eligible = new AlignedFloats(batch * widest);
        int largestTranspose = Enumerable.Range(0, layers).Max(l => batch * net.Widths[l]);
        _transposed = new float[largestTranspose];
        _inputs = new float[batch * net.Inputs];
        _capacity = batch;
    }

    // One thread's buffers for a block of a row's pairs: the sign bits, and the member rows through the layers above (padded
    // to whole six-row tiles).
    private sealed class RowScratch(int pairs, int widest)
    {
        public uint[] Signs { get; } = new uint[pairs * PerturbedPair.Words(widest)];

        public AlignedFloats Members { get; } = new(FollowingLayer.PaddedRows(2 * pairs) * widest);

        public AlignedFloats Spare { get; } = new(FollowingLayer.PaddedRows(2 * pairs) * widest);

        // Ticks spent building, in the layers above, scoring and reducing (a profile for the benchmarks).
        public long[] Ticks { get; } = new long[4];

        public long Lap(int phase, long since) => ActivityEvolutionRun.Lap(Ticks, phase, since);
    }

    private readonly struct RowMembers(ActivityEvolutionRun run, int layer, int batch, float sigma, long generation) : IWorkItems
    {
        public void Run(int index)
        {
            if (!run._scratch.TryTake(out RowScratch? scratch))
            {
                NetworkArchitecture net = run.Parameters.Architecture;
                int pairs = run.Settings.ActivityPairs;
                scratch = new RowScratch(Math.Min(PairsPerBlock, RowsPerGroup(pairs) * pairs), net.Widths.Skip(1).Max());
            }

            try
            {
                int rows = RowsPerGroup(run.Settings.ActivityPairs), first = index * rows;
                run.RunRows(layer, first, Math.Min(rows, batch - first), sigma, generation, scratch);
            }
            finally
            {
                run._scratch.Add(scratch);
            }
        }
    }
}
