using System.Diagnostics;
using CpuLinear.Checkpoints;
using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Optimization;
using CpuLinear.Populations;
using CpuLinear.Randomness;
using CpuLinear.Training;
using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu;

/// <summary>
/// An ES run whose whole generation stays on an ILGPU device: the training set, θ, Adam's moments and the gradient
/// estimate are resident; every pair's noise is drawn there (Philox and Box–Muller with the host's bits), the members
/// of every kind the CPU engine has (full rank, low rank, unit subsets, later layers, block populations) are built and
/// evaluated there, and the estimate, weight decay and Adam or SGD run there. θ, fitnesses, Adam state and metrics
/// equal <see cref="EvolutionTrainer"/>'s on the CPU engine bit for bit, so its checkpoints resume on either.
/// </summary>
/// <remarks>
/// <para>
/// <b>What crosses the bus per generation.</b> Up: the minibatch's row indices (batch ints), the pairs' weights (two
/// floats per pair) and a few scalars per kernel. Down: every member's logits (batch x classes floats per member, and
/// θ's own), which the host scores, and with <see cref="EvolutionSettings.FixedWeightRms"/> one double per hidden layer.
/// The softmax cross-entropy stays on the host because it is computed in double with the runtime's
/// <see cref="Math.Exp"/> and <see cref="Math.Log(double)"/>, whose bits a device cannot reproduce; the centered ranks
/// are computed there too, from the fitnesses, by <see cref="EvolutionStrategy.PairDifferences"/>. The training set
/// travels once; θ and Adam's moments only when read (<see cref="Parameters"/>, a checkpoint).
/// </para>
/// <para>
/// <b>Memory.</b> A population is evaluated in chunks of as many pairs as the backend's memory budget leaves room for
/// after the resident buffers (<see cref="LastChunkPairs"/>); when the population does not fit in one chunk, each
/// chunk's noise is drawn again for the estimate, which continues every parameter's FMA chain across chunks, so the
/// chunking cannot change a bit. When not even one pair fits, <see cref="Backends.DeviceMemoryExceededException"/>
/// names the bytes.
/// </para>
/// <para>
/// <b>The algorithm</b> is <see cref="EvolutionStrategy"/>'s (member m is pair m / 2, + for even m; ranks over the
/// whole population; a block population's per-parameter division; decay, then Adam or SGD), written here as kernels
/// whose every float operation is rounded as the host rounds it. One caller at a time.
/// </para>
/// </remarks>
public sealed partial class DeviceEvolutionSession : IEvolutionRun, IDisposable
{
    private readonly IlgpuBackend _backend;
    private readonly bool _ownsBackend;
    private readonly DeviceEvolutionKernels _kernels;
    private readonly NetworkArchitecture _net;
    private readonly DeviceBlock[] _blocks;
    private readonly LowRankNoiseLayout? _layout;
    private readonly int _rank, _units;
    private readonly AdamSettings _adam = new();
    private readonly EvolutionMinibatches _minibatches;
    private readonly double[] _fitness;
    private readonly float[] _shaped, _differences, _weights, _pairScales;
    private readonly float[] _firstMoment, _secondMoment;
    private readonly List<DeviceAllocation> _buffers = [];
    private readonly DeviceBuffer _theta, _m, _v, _gradient, _part, _data, _batch, _product, _activation, _secondProduct, _table, _pairWeights, _pairScaleBuffer;
    private readonly DeviceBuffer _noise, _members, _memberScales, _front, _back, _logits, _inputProjection, _activationProjection, _delta, _updates;
    private readonly DeviceBuffer<int> _indices, _offsets, _unitList, _order;
    private readonly DeviceBuffer<double> _sums;
    private bool _parametersStale, _momentsStale, _disposed;
    private LabeledImages? _resident;
    private byte[] _labels = [];
    private float[] _hostLogits = [];
    private (int Block, int First) _noiseHolds = (-1, -1);

    /// <summary>Starts (or, with <see cref="Restore"/>, continues) ES from <paramref name="parameters"/> on <paramref name="backend"/>'s device.</summary>
    /// <param name="backend">The ILGPU backend (CUDA, or the CPU accelerator); its memory budget bounds the session's buffers.</param>
    /// <param name="parameters">θ₀, copied to the device; <see cref="Parameters"/> then follows the device's θ.</param>
    /// <param name="settings">The run's settings; rank, first-layer units and later-layer pairs choose the member kind as <see cref="PopulationNoise.For"/> does.</param>
    /// <param name="ownsBackend">Dispose the backend with the session.</param>
    /// <exception cref="ArgumentException">Invalid settings, unit subsets or later-layer pairs on a single-layer network, or σ per layer.</exception>
    public DeviceEvolutionSession(IlgpuBackend backend, NetworkParameters parameters, EvolutionSettings settings, bool ownsBackend = false)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _net = parameters.Architecture;
        if (settings.FirstLayerUnits > 0 && _net.LayerCount < 2)
        {
            throw new ArgumentException($"Perturbing a subset of first-layer units needs at least two layers; the network has {_net.LayerCount}.", nameof(parameters));
        }

        if (settings.LaterLayerPairs > 0 && _net.LayerCount < 2)
        {
            throw new ArgumentException($"Perturbing only the layers after the first needs at least two layers; the network has {_net.LayerCount}.", nameof(parameters));
        }

        if (settings.HasSigmaLayerScales)
        {
            throw new ArgumentException($"σ per layer ({settings.SigmaLayerScales}) is not drawn by the device session; run it on the CPU engine (train --backend cpu) or leave every layer at 1.", nameof(settings));
        }

        _backend = backend;
        _ownsBackend = ownsBackend;
        Settings = settings;
        _rank = settings.Rank;
        _layout = _rank > 0 ? new LowRankNoiseLayout(_net, _rank) : null;
        _units = settings.FirstLayerUnits > 0 ? Math.Clamp(settings.FirstLayerUnits, 1, _net.Widths[1]) : 0;
        _blocks = Blocks(_net, settings);
        int pairs = settings.PopulationPairs, count = _net.ParameterCount;
        _minibatches = new EvolutionMinibatches(settings.BatchSize, settings.Seed);
        _fitness = new double[2 * pairs];
        _shaped = new float[2 * pairs];
        _differences = new float[pairs];
        _weights = new float[pairs];
        _pairScales = new float[pairs];
        _firstMoment = new float[count];
        _secondMoment = new float[count];
        Parameters = parameters;

        DeviceMemoryPool pool = backend.Pool;
        DeviceBuffer Float(string name) => Add(pool.Create(name));
        DeviceBuffer<T> Of<T>(string name)
            where T : unmanaged => Add(pool.Create<T>(name));
        _theta = Float("ES θ");
        _m = Float("ES Adam m");
        _v = Float("ES Adam v");
        _gradient = Float("ES gradient estimate");
        _part = Float("ES block part of the estimate");
        _data = Float("ES training set");
        _batch = Float("ES minibatch");
        _product = Float("ES shared x·W₁");
        _activation = Float("ES shared H₁");
        _secondProduct = Float("ES shared H₁·W₂");
        _table = Float("ES full-rank noise table");
        _pairWeights = Float("ES pair weights");
        _pairScaleBuffer = Float("ES pair weights / √r");
        _noise = Float("ES pair noise");
        _members = Float("ES member parameters");
        _memberScales = Float("ES member scales");
        _front = Float("ES activations (front)");
        _back = Float("ES activations (back)");
        _logits = Float("ES logits");
        _inputProjection = Float("ES projections x·A₁");
        _activationProjection = Float("ES projections H₁·A₂");
        _delta = Float("ES unit changes Δ");
        _updates = Float("ES factor weights");
        _indices = Of<int>("ES minibatch rows");
        _offsets = Of<int>("ES full-rank offsets");
        _unitList = Of<int>("ES pair units");
        _order = Of<int>("ES unit shuffles");
        _sums = Of<double>("ES weight sums of squares");
        try
        {
            _kernels = backend.EvolutionKernels;
            _theta.Upload(parameters.Values);
            _m.Upload(_firstMoment);
            _v.Upload(_secondMoment);
            if (_rank == 0)
            {
                // The table is drawn once, on the device, from the noise seed (FullRankNoise's table, element for element).
                ArrayView<float> table = _table.View(FullRankNoise.TableLength(count));
                (Index1D threads, int stride) = Spread((table.Length + 1) / 2);
                _kernels.FillTable(threads, table, settings.EffectiveNoiseSeed, CounterRandom.StreamOf(DeviceNoiseKernels.TableTag), stride);
            }
        }
        catch
        {
            pool.Remove(_buffers);
            throw;
        }

        T Add<T>(T buffer)
            where T : DeviceAllocation
        {
            _buffers.Add(buffer);
            return buffer;
        }
    }

    /// <inheritdoc />
    /// <remarks>Copied from the device when read after a generation; the values are those of the device's θ.</remarks>
    public NetworkParameters Parameters
    {
        get
        {
            if (_parametersStale)
            {
                Download(_theta.View(_net.ParameterCount), field.Values);
                _parametersStale = false;
            }

            return field;
        }
    }

    /// <inheritdoc />
    public EvolutionSettings Settings { get; }

    /// <inheritdoc />
    public long Generation { get; private set; }

    /// <inheritdoc />
    public bool Finished => Generation >= Settings.Generations;

    /// <inheritdoc />
    public long AdamStep { get; private set; }

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamFirstMoment
    {
        get
        {
            SyncMoments();
            return _firstMoment;
        }
    }

    /// <inheritdoc />
    public ReadOnlySpan<float> AdamSecondMoment
    {
        get
        {
            SyncMoments();
            return _secondMoment;
        }
    }

    /// <inheritdoc />
    public ReadOnlySpan<double> Fitness => _fitness;

    /// <inheritdoc />
    public string Description => $"{_backend.DeviceDescription} (the whole generation on the device)";

    /// <summary>Pairs per device pass in the last generation (all of the largest block when it fits the budget).</summary>
    public int LastChunkPairs { get; private set; }

    /// <summary>The backend whose device the session runs on.</summary>
    public IlgpuBackend Backend => _backend;

    /// <summary>Continues a run from an ES checkpoint (<see cref="EvolutionCheckpoint"/>) on <paramref name="backend"/>'s device.</summary>
    /// <exception cref="ArgumentException">The checkpoint was not written by the ES trainer or lacks its state.</exception>
    public static DeviceEvolutionSession Resume(Checkpoint checkpoint, IlgpuBackend backend, bool ownsBackend = false)
    {
        EvolutionCheckpoint.RequireResumable(checkpoint);
        var session = new DeviceEvolutionSession(backend, checkpoint.Parameters.Clone(), EvolutionCheckpoint.SettingsOf(checkpoint), ownsBackend);
        try
        {
            session.Restore(checkpoint.Step, checkpoint.AdamFirstMoment!, checkpoint.AdamSecondMoment!, EvolutionCheckpoint.AdamStepOf(checkpoint));
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Continues from a saved state: θ is the one the session was created with.</summary>
    /// <exception cref="ArgumentException">A moment vector has the wrong length, or the generation or step is negative.</exception>
    public void Restore(long generation, ReadOnlySpan<float> firstMoment, ReadOnlySpan<float> secondMoment, long adamStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        ArgumentOutOfRangeException.ThrowIfNegative(adamStep);
        if (firstMoment.Length != _firstMoment.Length || secondMoment.Length != _secondMoment.Length)
        {
            throw new ArgumentException($"Adam state for {_firstMoment.Length} parameters; got m of {firstMoment.Length} and v of {secondMoment.Length}.");
        }

        SyncMoments();
        firstMoment.CopyTo(_firstMoment);
        secondMoment.CopyTo(_secondMoment);
        _m.Upload(_firstMoment);
        _v.Upload(_secondMoment);
        AdamStep = adamStep;
        Generation = generation;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The data's features do not match the network's inputs, or a fitness is NaN.</exception>
    public GenerationSummary Step(LabeledImages data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Features != _net.Inputs)
        {
            throw new ArgumentException($"The network takes {_net.Inputs} inputs; the data has {data.Features} features.", nameof(data));
        }

        var clock = Stopwatch.StartNew();
        long generation = Generation;
        float sigma = Settings.SigmaAt(generation), learningRate = Settings.LearningRateAt(generation);
        ReadOnlySpan<int> rows = _minibatches.Rows(data.Count, generation);
        int batch = rows.Length;
        Grow(ref _labels, batch);
        for (int r = 0; r < batch; r++)
        {
            _labels[r] = data.Labels[rows[r]];
        }

        int chunk = PlanChunk(data, batch);
        LastChunkPairs = chunk;
        _noiseHolds = (-1, -1);
        ArrayView<float> inputs = GatherBatch(data, rows);
        Scoring.EvaluationResult centre = ScoreCentre(inputs, batch);
        PrepareShared(inputs, batch);
        var call = new GenerationCall(generation, sigma, inputs, batch, chunk);
        if (_rank == 0)
        {
            DrawTableOffsets(generation);
        }

        EvaluatePopulation(call);
        for (int m = 0; m < _fitness.Length; m++)
        {
            if (double.IsNaN(_fitness[m]))
            {
                throw new ArgumentException($"The fitness of member {m} of generation {generation} is NaN.", nameof(data));
            }
        }

        EvolutionStrategy.PairDifferences(Settings.Shaping, _fitness, _shaped, _differences);
        Estimate(call);
        Update(learningRate);
        if (Settings.FixedWeightRms)
        {
            ProjectWeights();
        }

        Generation++;
        _parametersStale = true;
        _momentsStale = true;
        double mean = 0, best = double.NegativeInfinity;
        foreach (double f in _fitness)
        {
            mean += f;
            best = Math.Max(best, f);
        }

        return new GenerationSummary(
            generation, sigma, learningRate, centre.Loss, centre.Accuracy, mean / _fitness.Length, best, clock.Elapsed.TotalSeconds,
            (long)_fitness.Length * batch);
    }

    /// <summary>Releases the session's device buffers (and the backend when the session owns it).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _backend.Pool.Remove(_buffers);
        if (_ownsBackend)
        {
            _backend.Dispose();
        }
    }

    // The kinds' blocks as PopulationNoise.For arranges them: P pairs of the first kind, then M later-layer pairs.
    private static DeviceBlock[] Blocks(NetworkArchitecture net, EvolutionSettings settings)
    {
        if (settings.Rank == 0)
        {
            return [new DeviceBlock(MemberKind.FullRank, 0, settings.Pairs, 0, 0)];
        }

        var first = new DeviceBlock(settings.FirstLayerUnits > 0 ? MemberKind.UnitSubset : MemberKind.LowRank, 0, settings.Pairs, 0, 0);
        return settings.LaterLayerPairs > 0
            ? [first, new DeviceBlock(MemberKind.LaterLayers, settings.Pairs, settings.LaterLayerPairs, settings.Pairs, net.WeightOffset(1))]
            : [first];
    }

    private void SyncMoments()
    {
        if (_momentsStale)
        {
            Download(_m.View(_firstMoment.Length), _firstMoment);
            Download(_v.View(_secondMoment.Length), _secondMoment);
            _momentsStale = false;
        }
    }

    private void Download<T>(ArrayView<T> source, Span<T> destination)
        where T : unmanaged
    {
        _backend.Accelerator.Synchronize();
        source.CopyToCPU(destination);
    }

    // Threads for a grid-stride launch over `count` elements: up to 2^22 on CUDA; on the CPU accelerator a few groups,
    // since each simulated thread costs microseconds before it computes anything.
    private (Index1D Threads, int Stride) Spread(long count)
    {
        int threads = (int)Math.Clamp(count, 1, _backend.IsCuda ? 1 << 22 : 64);
        return (new Index1D(threads), threads);
    }

    private static void Grow<T>(ref T[] buffer, long length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }

    // What one generation's kernels share: g, σ, the minibatch on the device and the chunk size.
    private readonly record struct GenerationCall(long Generation, float Sigma, ArrayView<float> Inputs, int Batch, int Chunk);
}
