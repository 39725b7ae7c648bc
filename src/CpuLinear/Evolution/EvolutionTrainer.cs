using System.Collections.Concurrent;
using System.Diagnostics;
using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Data;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Evolution;

/// <summary>
/// OpenAI-ES on the dead-zone (FTZ-elementwise) network: it optimises the function float32 actually computes,
/// which backprop cannot see.
/// </summary>
/// <remarks>
/// <para>
/// <b>Sign convention:</b> fitness = −(mean softmax cross-entropy on the generation's minibatch), and ES
/// <i>maximises</i> it. The update is Adam on the direction −ĝ + λθ, where
/// ĝ = Σⱼ (rank⁺ⱼ − rank⁻ⱼ)·εⱼ / (2·pairs) with centered ranks in [−0.5, 0.5] (as OpenAI's es.py).
/// </para>
/// <para>
/// <b>Determinism:</b> member j± of generation g is θ ± σ(g)·εⱼ with εⱼ a pure function of (seed, g, j);
/// the minibatch is a pure function of (seed, g). Each member's forward pass is computed by one thread with
/// fixed-order kernels; ĝ sums members in index order (as a GEMM over k = member, or an element-wise FMA chain
/// over members), never in completion order. So the bits of θ after any generation do not depend on the
/// thread count, and a run resumed from a checkpoint (θ, Adam m/v/step, generation) ends with the same bits.
/// </para>
/// <para>
/// <b>Low rank</b> (<see cref="EvolutionSettings.Rank"/> r ≥ 1, EGGROLL): weight matrix l of member j± is
/// Wₗ ± σ·Aⱼₗ·Bⱼₗ/√r with A (fan-in x r) and B (r x fan-out) standard normal. The first layer is computed as
/// x·W₁ (one GEMM shared by the whole population) ± σ·(x·A)·B/√r; later layers, whose inputs differ per member,
/// run one GEMM per member on W ± σ·A·B/√r, the rank-r term added as the GEMM packs W (never written out as a
/// perturbed copy; the same bits as one, which is what a compute backend receives). Full rank (r = 0) draws ε from a noise table
/// generated once from the seed, at an offset named by (seed, g, j), as OpenAI-ES did.
/// </para>
/// </remarks>
public sealed class EvolutionTrainer
{
    private readonly EngineSettings _engine;
    private readonly EngineSettings _singleThread;
    private readonly NetworkArchitecture _net;
    private readonly int _pairs;
    private readonly int _rank;
    private readonly LowRankNoiseLayout? _layout; // low rank: where each layer's factors and bias noise lie in a pair's noise
    private readonly int _pairNoiseLength;
    private readonly float[] _pairNoise;           // low rank: every pair's noise vector back to back (a backend gets it whole)
    private readonly long[] _tableOffset;    // full rank: where pair j's ε starts in the table
    private readonly float[]? _table;
    private readonly double[] _fitness;
    private readonly float[] _shaped;
    private readonly float[] _gradient;
    private readonly ConcurrentBag<Scratch> _scratch = [];
    private readonly UnitSubsetPopulation? _subset;
    private readonly int[] _pairUnits;       // unit subsets: pair j's first-layer units, increasing, at j·k
    private float[] _batch = [], _shared = [], _gatheredFactor = [], _inputProjection = [], _activationProjection = [];
    private byte[] _labels = [];
    private int[] _permutation = [];
    private long _permutationEpoch = -1;
    private double _centerLoss, _centerAccuracy;

    /// <summary>Starts (or continues) ES from <paramref name="parameters"/>, which are updated in place.</summary>
    /// <param name="parameters">θ, updated in place.</param>
    /// <param name="settings">The run's settings.</param>
    /// <param name="engine">Threads and kernel path of the CPU work.</param>
    /// <param name="backend">
    /// Null: members are evaluated by the CPU engine, one thread per member. Otherwise the population's forward
    /// passes and losses run on this backend (<see cref="IComputeBackend.EvaluateLowRankPopulation"/>, or
    /// <see cref="IComputeBackend.EvaluatePopulation(NetworkArchitecture, ReadOnlySpan{float}, ReadOnlySpan2D{float}, ReadOnlySpan{byte}, Span{EvaluationResult})"/>
    /// at full rank) with the same arithmetic, so θ gets the same bits; the trainer does not dispose it.
    /// </param>
    public EvolutionTrainer(NetworkParameters parameters, EvolutionSettings settings, EngineSettings? engine = null, IComputeBackend? backend = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        Parameters = parameters;
        Settings = settings;
        _engine = engine ?? EngineSettings.Default;
        _singleThread = _engine with { MaxThreads = 1 };
        _net = parameters.Architecture;
        Backend = backend;
        _pairs = settings.Pairs;
        _rank = settings.Rank;
        Optimizer = new AdamOptimizer(_net.ParameterCount);
        _fitness = new double[2 * _pairs];
        _shaped = new float[2 * _pairs];
        _gradient = new float[_net.ParameterCount];

        _layout = _rank > 0 ? new LowRankNoiseLayout(_net, _rank) : null;
        _pairNoiseLength = _layout?.Length ?? 0;
        _pairNoise = new float[_pairs * _pairNoiseLength];

        if (settings.FirstLayerUnits > 0)
        {
            if (backend is not null)
            {
                throw new ArgumentException($"Perturbing a subset of first-layer units ({settings.FirstLayerUnits}) runs on the CPU engine only; use FirstLayerUnits = 0 with the {backend.DeviceDescription} backend.", nameof(backend));
            }

            _subset = new UnitSubsetPopulation(_net, _rank, settings.FirstLayerUnits);
        }

        _pairUnits = new int[_subset is null ? 0 : _pairs * _subset.Units];

        _tableOffset = new long[_pairs];
        if (_rank == 0)
        {
            _table = NoiseTable(settings.Seed, TableLength(_net.ParameterCount), _engine.MaxThreads);
        }
    }

    /// <summary>The parameters being trained (θ); updated in place by <see cref="Step"/>.</summary>
    public NetworkParameters Parameters { get; }

    /// <summary>The run's settings.</summary>
    public EvolutionSettings Settings { get; }

    /// <summary>Where members are evaluated; null for the CPU engine's own per-thread path.</summary>
    public IComputeBackend? Backend { get; }

    private LowRankNoiseLayout Layout => _layout ?? throw new InvalidOperationException("The pair-noise layout exists at low rank only.");

    /// <summary>The last generation's fitness (−mean loss) of member 2j (θ + σεⱼ) and 2j+1 (θ − σεⱼ).</summary>
    public ReadOnlySpan<double> Fitness => _fitness;

    /// <summary>Adam's state; its step counts the updates made so far.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>The next generation to run (= generations completed so far).</summary>
    public long Generation { get; private set; }

    /// <summary>Whether the run has done all of <see cref="EvolutionSettings.Generations"/>.</summary>
    public bool Finished => Generation >= Settings.Generations;

    /// <summary>Continues from a saved state: θ is already in <see cref="Parameters"/>.</summary>
    public void Restore(long generation, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long adamStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        Optimizer.Restore(firstMoment, secondMoment, adamStep);
        Generation = generation;
    }

    /// <summary>Runs one generation on <paramref name="data"/> (the training split) and updates θ.</summary>
    public GenerationSummary Step(LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Features != _net.Inputs)
        {
            throw new ArgumentException($"The network takes {_net.Inputs} inputs; the data has {data.Features} features.", nameof(data));
        }

        var clock = Stopwatch.StartNew();
        long g = Generation;
        float sigma = Settings.SigmaAt(g), learningRate = Settings.LearningRateAt(g);
        int rows = GatherMinibatch(data, g);
        var inputs = new ReadOnlySpan2D<float>(_batch, 0, rows, _net.Inputs, 0);

        if (Backend is not null)
        {
            EvaluateOnBackend(g, sigma, rows);
        }
        else if (_subset is not null)
        {
            // θ's x·W₁, H₁ and H₁·W₂ once for the whole population, with every core.
            _subset.Prepare(Parameters, inputs, _engine);
        }
        else if (_rank > 0)
        {
            // x·W₁ once for the whole population, with every core: the shared half of x·(W₁ + σAB).
            Grow(ref _shared, rows * _net.Widths[1]);
            var firstWeights = new ReadOnlySpan2D<float>(Parameters.Values, _net.WeightOffset(0), _net.Inputs, _net.Widths[1], 0);
            Gemm.Multiply(inputs, firstWeights, new Span2D<float>(_shared, 0, rows, _net.Widths[1], 0), _engine);
        }

        if (Backend is null)
        {
            if (_rank > 0)
            {
                ProjectPopulation(g, inputs);
            }

            // Items 0..pairs-1 are antithetic pairs; item `pairs` is θ itself (for the reported loss).
            EngineParallel.For(_pairs + 1, _engine.MaxThreads, new PopulationWork(this, g, sigma, rows));
        }

        CenteredRanks.Compute(_fitness, _shaped);
        EstimateGradient();
        float decay = Settings.WeightDecay;
        float[] theta = Parameters.Values;
        for (int i = 0; i < _gradient.Length; i++)
        {
            // Adam minimises, ES maximises fitness: step along ĝ, shrink θ by λ.
            _gradient[i] = (decay * theta[i]) - _gradient[i];
        }

        Optimizer.Update(theta, _gradient, learningRate);
        if (Settings.FixedWeightRms)
        {
            WeightRmsProjection.Apply(Parameters);
        }
        Generation = g + 1;

        double mean = 0, best = double.NegativeInfinity;
        foreach (double f in _fitness)
        {
            mean += f;
            best = Math.Max(best, f);
        }

        return new GenerationSummary(g, sigma, learningRate, _centerLoss, _centerAccuracy, mean / _fitness.Length, best, clock.Elapsed.TotalSeconds);
    }

    // Generation g reads rows [slot·B, slot·B + B) of the seed's permutation for epoch g / (N / B): every
    // example is seen once per epoch, and the batch depends only on (seed, g).
    private int GatherMinibatch(LabeledImages data, long g)
    {
        int rows = Math.Min(Settings.BatchSize, data.Count);
        int perEpoch = data.Count / rows;
        long epoch = g / perEpoch;
        int slot = (int)(g % perEpoch);
        if (epoch != _permutationEpoch)
        {
            _permutation = MinibatchOrder.Permutation(data.Count, Settings.Seed ^ 0xE5_BA7C, (int)epoch);
            _permutationEpoch = epoch;
        }

        Grow(ref _batch, rows * _net.Inputs);
        if (_labels.Length < rows)
        {
            _labels = new byte[rows];
        }

        for (int r = 0; r < rows; r++)
        {
            int index = _permutation[(slot * rows) + r];
            data.GetRow(index).CopyTo(_batch.AsSpan(r * _net.Inputs, _net.Inputs));
            _labels[r] = data.Labels[index];
        }

        return rows;
    }

    // The population on the backend. Low rank: every pair's noise vector, drawn here, goes to the backend, which
    // builds the members (LowRankNoiseLayout.WriteMember) and runs the CPU path's first-layer sequence, so the
    // fitnesses have the same bits. Full rank: member vectors θ ± σε from the noise table, in chunks of pairs
    // taking at most ~64 MiB on the host.
    private void EvaluateOnBackend(long g, float sigma, int rows)
    {
        IComputeBackend backend = Backend!;
        var inputs = new ReadOnlySpan2D<float>(_batch, 0, rows, _net.Inputs, 0);
        ReadOnlySpan<byte> labels = _labels.AsSpan(0, rows);
        EvaluationResult centre = backend.EvaluateBatch(Parameters, inputs, labels);
        _centerLoss = centre.Loss;
        _centerAccuracy = centre.Accuracy;

        var results = new EvaluationResult[2 * _pairs];
        if (_rank > 0)
        {
            EngineParallel.For(_pairs, _engine.MaxThreads, new PairNoiseWork(this, g));
            backend.EvaluateLowRankPairs(Parameters, Layout, _pairNoise, sigma, inputs, labels, results);
        }
        else
        {
            int count = _net.ParameterCount;
            int chunk = (int)Math.Clamp((16L << 20) / (2L * count), 1, _pairs);
            var members = new float[2 * chunk * count];
            for (int first = 0; first < _pairs; first += chunk)
            {
                int size = Math.Min(chunk, _pairs - first);
                for (int i = 0; i < size; i++)
                {
                    int j = first + i;
                    _tableOffset[j] = TableOffset(g, j);
                    MemberValues(members.AsSpan(2 * i * count, count), j, sigma, lowRank: false);
                    MemberValues(members.AsSpan(((2 * i) + 1) * count, count), j, -sigma, lowRank: false);
                }

                backend.EvaluatePopulation(_net, members.AsSpan(0, 2 * size * count), inputs, labels, results.AsSpan(2 * first, 2 * size));
            }
        }

        for (int m = 0; m < 2 * _pairs; m++)
        {
            _fitness[m] = -results[m].Loss;
        }
    }

    private void EvaluateItem(int item, long g, float sigma, int rows)
    {
        if (!_scratch.TryTake(out Scratch? scratch))
        {
            scratch = new Scratch(_net, Math.Max(_rank, 1));
        }

        scratch.Ensure(rows);
        if (item == _pairs)
        {
            Parameters.Values.CopyTo(scratch.Values, 0);
            double loss = ForwardLoss(scratch, rows, 0, 0, sigma, lowRank: false, out int correct);
            _centerLoss = loss;
            _centerAccuracy = correct / (double)rows;
        }
        else
        {
            int j = item;
            if (_rank > 0)
            {
                // The pair's columns of x·A₁ (and H₁·A₂), shared by both signs (ProjectPopulation).
                PairColumns(_inputProjection, rows, j, scratch.Projection);
                if (_subset is not null)
                {
                    PairColumns(_activationProjection, rows, j, scratch.ActivationProjection);
                }
            }
            else
            {
                _tableOffset[j] = TableOffset(g, j);
            }

            _fitness[2 * j] = -ForwardLoss(scratch, rows, j, +1, sigma, _rank > 0, out _);
            _fitness[(2 * j) + 1] = -ForwardLoss(scratch, rows, j, -1, sigma, _rank > 0, out _);
        }

        _scratch.Add(scratch);
    }

    // Mean cross-entropy of member (pair, sign) on the minibatch; sign 0 evaluates scratch.Values as they are.
    private double ForwardLoss(Scratch scratch, int rows, int pair, int sign, float sigma, bool lowRank, out int correct)
    {
        if (sign != 0)
        {
            // At low rank only the biases are written: the weights' rank-r terms are applied as each GEMM packs them.
            MemberValues(scratch.Values, pair, sign * sigma, lowRank);
        }

        var perturbed = scratch.Network;
        ReadOnlySpan2D<float> source = new(_batch, 0, rows, _net.Inputs, 0);
        float[] front = scratch.Front, back = scratch.Back;
        int firstLayer = 0;
        if (sign != 0 && _subset is not null)
        {
            // Layers 1 and 2 from θ's shared activations plus the pair's units (UnitSubsetPopulation).
            Span2D<float> second = _net.LayerCount == 2
                ? new Span2D<float>(scratch.Logits, 0, rows, _net.Outputs, 0)
                : new Span2D<float>(front, 0, rows, _net.Widths[2], 0);
            int width = _net.Widths[1];
            Span<float> noise = Noise(pair);
            _subset.SecondLayer(
                Parameters, perturbed, _pairUnits.AsSpan(pair * _subset.Units, _subset.Units),
                scratch.Projection.AsSpan(0, rows * _rank), scratch.ActivationProjection.AsSpan(0, rows * _rank),
                noise.Slice(Layout.FactorB(0), _rank * width),
                noise.Slice(Layout.FactorA(1), width * _rank),
                noise.Slice(Layout.FactorB(1), _rank * _net.Widths[2]),
                sign * sigma / MathF.Sqrt(_rank), scratch.Subset ??= new UnitSubsetPopulation.MemberScratch(_net, _rank), second, _engine.ResolvedPath);
            source = second;
            (front, back) = (back, front);
            firstLayer = 2;
        }

        for (int l = firstLayer; l < _net.LayerCount; l++)
        {
            int fanOut = _net.Widths[l + 1];
            bool last = l == _net.LayerCount - 1;
            Span2D<float> destination = last
                ? new Span2D<float>(scratch.Logits, 0, rows, fanOut, 0)
                : new Span2D<float>(front, 0, rows, fanOut, 0);
            if (l == 0 && lowRank)
            {
                FirstLayerLowRank(scratch, rows, pair, sign * sigma / MathF.Sqrt(_rank), destination);
            }
            else if (lowRank)
            {
                // W + (sσ/√r)·A·B: U[i, t] = (sσ/√r)·A[i, t] rounded as MemberValues rounds it, V = B.
                int fanIn = _net.Widths[l];
                float factorScale = sign * sigma / MathF.Sqrt(_rank);
                ReadOnlySpan<float> a = Noise(pair).Slice(Layout.FactorA(l), fanIn * _rank);
                Span<float> coefficients = scratch.Coefficients.AsSpan(0, fanIn * _rank);
                for (int i = 0; i < coefficients.Length; i++)
                {
                    coefficients[i] = factorScale * a[i];
                }

                FusedExecutor.LayerLowRankUpdated(
                    perturbed, Parameters, l, source, destination, scratch.Bias, coefficients,
                    Noise(pair).Slice(Layout.FactorB(l), _rank * fanOut), _rank, _singleThread);
            }
            else
            {
                FusedExecutor.Layer(perturbed, l, source, destination, scratch.Bias, Span2D<float>.Empty, _singleThread);
            }

            source = destination;
            (front, back) = (back, front);
        }

        double total = SoftmaxCrossEntropy.Evaluate(source, _labels.AsSpan(0, rows), Span2D<float>.Empty, 0f, out correct);
        return total / rows;
    }

    // Pair j's slot in the noise block.
    private Span<float> Noise(int pair) => _pairNoise.AsSpan(pair * _pairNoiseLength, _pairNoiseLength);

    // Pair j's noise stream: element i of its noise vector is a pure function of (seed, g, j, i).
    private CounterRandom PairNoise(long g, int pair) => new(Settings.Seed, CounterRandom.StreamOf(0xE5_1A7E, (ulong)g, (ulong)pair));

    // Every pair's noise (and units) drawn on all cores, then x·A₁ for the whole population as one GEMM with
    // pairs·r columns (and H₁·A₂ with unit subsets), on all cores. One GEMM per pair would have r useful columns
    // in a register tile two vectors wide, and pack the batch again for every pair. Each element is the same
    // k-ordered chain either way, so the bits do not change.
    private void ProjectPopulation(long g, ReadOnlySpan2D<float> inputs)
    {
        EngineParallel.For(_pairs, _engine.MaxThreads, new PairNoiseWork(this, g));
        Project(0, inputs, ref _inputProjection);
        if (_subset is not null)
        {
            Project(1, _subset.FirstActivation(inputs.Height), ref _activationProjection);
        }
    }

    // source · [A_l of pair 0 | A_l of pair 1 | ...] into destination (rows x pairs·r).
    private void Project(int layer, ReadOnlySpan2D<float> source, ref float[] destination)
    {
        int fanIn = _net.Widths[layer], columns = _pairs * _rank, rows = source.Height;
        Grow(ref _gatheredFactor, fanIn * columns);
        Grow(ref destination, rows * columns);
        for (int j = 0; j < _pairs; j++)
        {
            ReadOnlySpan<float> a = Noise(j).Slice(Layout.FactorA(layer), fanIn * _rank);
            for (int i = 0; i < fanIn; i++)
            {
                a.Slice(i * _rank, _rank).CopyTo(_gatheredFactor.AsSpan((i * columns) + (j * _rank), _rank));
            }
        }

        Gemm.Multiply(
            source, new ReadOnlySpan2D<float>(_gatheredFactor, 0, fanIn, columns, 0),
            new Span2D<float>(destination, 0, rows, columns, 0), _engine);
    }

    // Pair j's r columns of a population projection (rows x pairs·r) as rows x r.
    private void PairColumns(float[] projection, int rows, int pair, float[] destination)
    {
        int columns = _pairs * _rank;
        for (int n = 0; n < rows; n++)
        {
            projection.AsSpan((n * columns) + (pair * _rank), _rank).CopyTo(destination.AsSpan(n * _rank, _rank));
        }
    }

    // Pair j's noise vector, drawn into its slot of the noise block. With unit subsets: the pair's units, and its
    // first-layer noise masked to them. Only the elements that survive the mask are drawn, each with the value a
    // full fill gives it (the stream is addressed by element), so a fifth of the Gaussian draws are skipped
    // without changing a bit.
    private void DrawPair(long g, int pair)
    {
        if (_subset is null)
        {
            PairNoise(g, pair).FillNormal(Noise(pair));
            return;
        }

        UnitSubsetPopulation subset = _subset;
        if (!_scratch.TryTake(out Scratch? scratch))
        {
            scratch = new Scratch(_net, Math.Max(_rank, 1));
        }

        UnitSubsetPopulation.MemberScratch buffers = scratch.Subset ??= new UnitSubsetPopulation.MemberScratch(_net, _rank);
        Span<int> units = _pairUnits.AsSpan(pair * subset.Units, subset.Units);
        subset.ChooseUnits(Settings.Seed, g, pair, buffers.Order, units);
        Span<float> noise = Noise(pair);
        int width = _net.Widths[1];
        CounterRandom random = PairNoise(g, pair);
        int firstB = Layout.FactorB(0);
        random.FillNormal(noise.Slice(0, firstB));
        random.FillNormal(noise.Slice(Layout.FactorA(1), Layout.BiasNoise(0) - Layout.FactorA(1)), 1f, Layout.FactorA(1));
        random.FillNormal(noise.Slice(Layout.BiasNoise(1)), 1f, Layout.BiasNoise(1));
        foreach (int u in units)
        {
            for (int t = 0; t < _rank; t++)
            {
                int at = firstB + (t * width) + u;
                random.FillNormal(noise.Slice(at, 1), 1f, at);
            }

            random.FillNormal(noise.Slice(Layout.BiasNoise(0) + u, 1), 1f, Layout.BiasNoise(0) + u);
        }

        subset.MaskFirstLayerNoise(
            noise.Slice(Layout.FactorB(0), _rank * width), noise.Slice(Layout.BiasNoise(0), width), units, buffers.Kept);
        _scratch.Add(scratch);
    }

    // Member θ + scale·ε (full rank) or, in low rank, θ's biases + scale·ε_b (the weights are added as the CPU
    // path's GEMMs pack them; a backend builds its members itself from the pair noise, LowRankNoiseLayout.WriteMember).
    private void MemberValues(Span<float> values, int pair, float scale, bool lowRank)
    {
        if (!lowRank)
        {
            // θ + sσε over the whole vector, ε read from the table.
            ReadOnlySpan<float> epsilon = _table.AsSpan((int)_tableOffset[pair], values.Length);
            Parameters.Values.CopyTo(values);
            FusedMultiplyAdd.Accumulate(values, epsilon, scale);
        }
        else
        {
            Layout.WriteMember(Parameters.Values, Noise(pair), scale, values, laterWeights: false);
        }
    }

    // h = D_out( D_in(x·W₁ + c·(x·A)·B) + D_in(b₁') ): the shared product plus this member's rank-r term, then
    // the same bias and dead-zone step the fused executor applies (FusedExecutor.Thresholds).
    private void FirstLayerLowRank(Scratch scratch, int rows, int pair, float factorScale, Span2D<float> destination)
    {
        int fanOut = _net.Widths[1];
        (float inner, float outer) = FusedExecutor.Thresholds(_net, 0);
        Span<float> bias = scratch.Bias.AsSpan(0, fanOut);
        scratch.Network.Bias(0).CopyTo(bias);
        DeadZone.Apply(bias, inner, _engine.ResolvedPath);
        ReadOnlySpan<float> b = Noise(pair).Slice(Layout.FactorB(0), _rank * fanOut);
        for (int r = 0; r < rows; r++)
        {
            Span<float> h = destination.GetRowSpan(r);
            _shared.AsSpan(r * fanOut, fanOut).CopyTo(h);
            for (int t = 0; t < _rank; t++)
            {
                FusedMultiplyAdd.Accumulate(h, b.Slice(t * fanOut, fanOut), factorScale * scratch.Projection[(r * _rank) + t]);
            }

            DeadZone.AddBias(h, bias, inner, outer, _engine.ResolvedPath);
        }
    }

    private void EstimateGradient()
    {
        float[] g = _gradient;
        float inverseCount = 1f / (2 * _pairs);
        var weights = new float[_pairs];
        for (int j = 0; j < _pairs; j++)
        {
            weights[j] = (_shaped[2 * j] - _shaped[(2 * j) + 1]) * inverseCount;
        }

        if (_rank == 0)
        {
            EngineParallel.For((g.Length + ChunkLength - 1) / ChunkLength, _engine.MaxThreads, new TableGradientWork(this, weights));
            return;
        }

        int k = _pairs * _rank;
        float factorScale = 1f / MathF.Sqrt(_rank);
        for (int l = 0; l < _net.LayerCount; l++)
        {
            int fanIn = _net.Widths[l], fanOut = _net.Widths[l + 1];
            // Σⱼ wⱼ·Aⱼ·Bⱼ as one GEMM with k running over (pair, t) in increasing order:
            //   left  (fanIn x pairs·r): column j·r+t = wⱼ·Aⱼ[:, t]/√r
            //   right (pairs·r x fanOut): row    j·r+t = Bⱼ[t, :]
            var left = new float[fanIn * k];
            var right = new float[k * fanOut];
            for (int j = 0; j < _pairs; j++)
            {
                Span<float> noise = Noise(j);
                int a = Layout.FactorA(l), b = Layout.FactorB(l);
                float c = weights[j] * factorScale;
                for (int i = 0; i < fanIn; i++)
                {
                    for (int t = 0; t < _rank; t++)
                    {
                        left[(i * k) + (j * _rank) + t] = c * noise[a + (i * _rank) + t];
                    }
                }

                noise.Slice(b, _rank * fanOut).CopyTo(right.AsSpan(j * _rank * fanOut));
            }

            Gemm.Multiply(
                new ReadOnlySpan2D<float>(left, 0, fanIn, k, 0),
                new ReadOnlySpan2D<float>(right, 0, k, fanOut, 0),
                new Span2D<float>(g, _net.WeightOffset(l), fanIn, fanOut, 0),
                _engine);

            Span<float> biasGradient = g.AsSpan(_net.BiasOffset(l), fanOut);
            biasGradient.Clear();
            for (int j = 0; j < _pairs; j++)
            {
                FusedMultiplyAdd.Accumulate(biasGradient, Noise(j).Slice(Layout.BiasNoise(l), fanOut), weights[j]);
            }
        }
    }

    private const int ChunkLength = 1 << 14;

    private void TableGradientChunk(int chunk, float[] weights)
    {
        int start = chunk * ChunkLength;
        int length = Math.Min(ChunkLength, _gradient.Length - start);
        Span<float> g = _gradient.AsSpan(start, length);
        g.Clear();
        for (int j = 0; j < _pairs; j++)
        {
            FusedMultiplyAdd.Accumulate(g, _table.AsSpan((int)_tableOffset[j] + start, length), weights[j]);
        }
    }

    private long TableOffset(long g, int pair)
    {
        var (x0, x1, _, _) = Philox4x32.Block(Settings.Seed, CounterRandom.StreamOf(0xE5_0FF5, (ulong)g), (ulong)pair);
        ulong span = (ulong)(_table!.Length - _net.ParameterCount + 1);
        return (long)((((ulong)x1 << 32) | x0) % span);
    }

    /// <summary>Length of the full-rank noise table for a network of <paramref name="parameterCount"/> parameters.</summary>
    internal static int TableLength(int parameterCount) => Math.Max(1 << 20, 8 * parameterCount);

    private static float[] NoiseTable(ulong seed, int length, int maxThreads)
    {
        var table = GC.AllocateUninitializedArray<float>(length);
        EngineParallel.For((length + ChunkLength - 1) / ChunkLength, maxThreads, new TableFillWork(table, seed));
        return table;
    }

    private static void Grow(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = GC.AllocateUninitializedArray<float>(length);
        }
    }

    private readonly struct PopulationWork(EvolutionTrainer trainer, long generation, float sigma, int rows) : IWorkItems
    {
        public void Run(int index) => trainer.EvaluateItem(index, generation, sigma, rows);
    }

    // A pair's noise, drawn into its slot of the block a backend receives (the gradient reads it there too).
    private readonly struct PairNoiseWork(EvolutionTrainer trainer, long generation) : IWorkItems
    {
        public void Run(int index) => trainer.DrawPair(generation, index);
    }

    private readonly struct TableGradientWork(EvolutionTrainer trainer, float[] weights) : IWorkItems
    {
        public void Run(int index) => trainer.TableGradientChunk(index, weights);
    }

    private readonly struct TableFillWork(float[] table, ulong seed) : IWorkItems
    {
        public void Run(int index)
        {
            int start = index * ChunkLength;
            int length = Math.Min(ChunkLength, table.Length - start);
            new CounterRandom(seed, CounterRandom.StreamOf(0xE5_7AB1E)).FillNormal(table.AsSpan(start, length), 1f, start);
        }
    }

    // Per-thread buffers: a perturbed copy of θ, activations, logits, the flushed bias and x·A.
    private sealed class Scratch(NetworkArchitecture net, int rank)
    {
        public readonly float[] Values = new float[net.ParameterCount];
        public NetworkParameters Network => _network ??= new NetworkParameters(net, Values);
        public float[] Front = [], Back = [], Logits = [], Projection = [], ActivationProjection = [];
        public UnitSubsetPopulation.MemberScratch? Subset;
        public readonly float[] Bias = new float[net.Widths.Skip(1).Max()];
        public readonly float[] Coefficients = new float[net.Widths.SkipLast(1).Max() * rank];
        private NetworkParameters? _network;
        private int _rows;

        public void Ensure(int needed)
        {
            if (needed <= _rows)
            {
                return;
            }

            int widest = net.Widths.Skip(1).Max();
            Front = new float[needed * widest];
            Back = new float[needed * widest];
            Logits = new float[needed * net.Outputs];
            Projection = new float[needed * rank];
            ActivationProjection = new float[needed * rank];
            _rows = needed;
        }
    }
}
