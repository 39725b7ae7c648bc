using CommunityToolkit.HighPerformance;
using CpuLinear.Kernels;
using CpuLinear.Networks;
using CpuLinear.Scoring;
using CpuLinear.Training;

namespace CpuLinear.Backends;

/// <summary>
/// The CPU engine behind <see cref="IComputeBackend"/>: <see cref="Kernels.Gemm"/> with a fused dead-zone epilogue,
/// <see cref="Kernels.DeadZone"/> for element-wise flushes and <see cref="FusedExecutor"/> for the forward pass.
/// It is the reference every other backend must match bit for bit.
/// </summary>
/// <remarks>
/// GEMMs run under the calling thread's float environment, as <see cref="Kernels.Gemm"/> documents; call it
/// from an IEEE thread (the default) so subnormal partial sums are kept, as a GPU's non-ftz FMA keeps them.
/// </remarks>
public sealed class CpuBackend : IComputeBackend
{
    private readonly EngineSettings _settings;
    private readonly FusedExecutor _executor;
    private float[] _member = [], _logits = [];

    /// <summary>Creates a CPU backend with the given thread count and kernel path (null: all cores, the registry's path).</summary>
    public CpuBackend(EngineSettings? settings = null)
    {
        _settings = settings ?? EngineSettings.Default;
        _executor = new FusedExecutor(_settings);
    }

    /// <inheritdoc />
    public BackendKind Kind => BackendKind.Cpu;

    /// <inheritdoc />
    public string DeviceDescription => $"CPU engine ({_settings.ResolvedPath} kernels, {_settings.ResolvedThreads} threads)";

    /// <inheritdoc />
    public FloatSemantics Semantics => FloatSemantics.FtzElementwise;

    /// <inheritdoc />
    public void Gemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, Span<float> c)
    {
        BackendArguments.ValidateGemm(m, n, k, a.Length, b.Length, bias.Length, c.Length);
        if (m == 0 || n == 0)
        {
            return;
        }

        // The epilogue needs the bias as memory; the copy is n floats, tiny next to the GEMM.
        if (bias.IsEmpty)
        {
            Kernels.Gemm.Multiply(m, n, k, a, k, b, n, c, n, new DeadZoneOnlyEpilogue(inputThreshold, outputThreshold), _settings);
        }
        else
        {
            Kernels.Gemm.Multiply(m, n, k, a, k, b, n, c, n, new BiasDeadZoneEpilogue(bias.ToArray(), inputThreshold, outputThreshold), _settings);
        }
    }

    /// <inheritdoc />
    public void DeadZone(Span<float> values, float threshold) =>
        Kernels.DeadZone.Apply(values, threshold, _settings.ResolvedPath);

    /// <inheritdoc />
    public void AddBiasDeadZone(Span<float> values, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold)
    {
        int rows = BackendArguments.ValidateBiasRows(values.Length, bias.Length);
        for (int row = 0; row < rows; row++)
        {
            Kernels.DeadZone.AddBias(values.Slice(row * bias.Length, bias.Length), bias, inputThreshold, outputThreshold, _settings.ResolvedPath);
        }
    }

    /// <inheritdoc />
    public void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits) =>
        _executor.Forward(parameters, inputs, logits);

    /// <inheritdoc />
    public EvaluationResult EvaluateBatch(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        BackendArguments.ValidateBatch(parameters.Architecture, inputs, labels);
        Span2D<float> logits = Logits(inputs.Height, parameters.Architecture.Outputs);
        _executor.Forward(parameters, inputs, logits);
        return BackendArguments.Score(logits, labels);
    }

    /// <inheritdoc />
    public void EvaluatePopulation(NetworkArchitecture architecture, ReadOnlySpan<float> members, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        int population = BackendArguments.ValidatePopulation(architecture, members.Length, results.Length, nameof(members));
        BackendArguments.ValidateBatch(architecture, inputs, labels);
        int count = architecture.ParameterCount;
        var member = new NetworkParameters(architecture, MemberBuffer(count));
        for (int p = 0; p < population; p++)
        {
            members.Slice(p * count, count).CopyTo(member.Values);
            results[p] = EvaluateMember(member, inputs, labels);
        }
    }

    /// <inheritdoc />
    public void EvaluatePopulation(NetworkParameters baseParameters, ReadOnlySpan<float> perturbations, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(baseParameters);
        NetworkArchitecture net = baseParameters.Architecture;
        int population = BackendArguments.ValidatePopulation(net, perturbations.Length, results.Length, nameof(perturbations));
        BackendArguments.ValidateBatch(net, inputs, labels);
        int count = net.ParameterCount;
        var member = new NetworkParameters(net, MemberBuffer(count));
        for (int p = 0; p < population; p++)
        {
            // θ_p = base + perturbation, one rounding per parameter: the device kernel does the same add.
            System.Numerics.Tensors.TensorPrimitives.Add(baseParameters.Values, perturbations.Slice(p * count, count), member.Values);
            results[p] = EvaluateMember(member, inputs, labels);
        }
    }

    /// <inheritdoc />
    public void EvaluateLowRankPairs(
        NetworkParameters centre, Evolution.LowRankNoiseLayout layout, ReadOnlySpan<float> pairNoise, float sigma,
        ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results) =>
        HostBuiltPairs.Evaluate(this, centre, layout, pairNoise, sigma, inputs, labels, results);

    /// <inheritdoc />
    public void EvaluateLowRankPopulation(
        NetworkParameters centre, ReadOnlySpan<float> members, int rank, ReadOnlySpan<float> factorsA, ReadOnlySpan<float> factorsB,
        ReadOnlySpan<float> scales, int membersPerFactor, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(centre);
        NetworkArchitecture net = centre.Architecture;
        int population = BackendArguments.ValidateLowRank(net, members.Length, rank, factorsA.Length, factorsB.Length, scales.Length, membersPerFactor, results.Length);
        BackendArguments.ValidateBatch(net, inputs, labels);
        int rows = inputs.Height, count = net.ParameterCount, width = net.Widths[1];
        if (population == 0 || rows == 0)
        {
            results.Fill(new EvaluationResult(0, 0, 0));
            return;
        }

        // S = x·W₁ once for the whole population.
        var shared = new float[rows * width];
        var firstWeights = new ReadOnlySpan2D<float>(centre.Values, net.WeightOffset(0), net.Inputs, width, 0);
        Kernels.Gemm.Multiply(inputs, firstWeights, new Span2D<float>(shared, rows, width), _settings);

        int widest = net.Widths.Skip(1).Max();
        var projection = new float[rows * rank];
        var front = new float[rows * widest];
        var back = new float[rows * widest];
        var logits = new float[rows * net.Outputs];
        var bias = new float[widest];
        var member = new NetworkParameters(net, MemberBuffer(count));
        for (int p = 0; p < population; p++)
        {
            members.Slice(p * count, count).CopyTo(member.Values);
            int q = p / membersPerFactor;
            if (p % membersPerFactor == 0)
            {
                var a = new ReadOnlySpan2D<float>(factorsA.Slice(q * net.Inputs * rank, net.Inputs * rank).ToArray(), net.Inputs, rank);
                Kernels.Gemm.Multiply(inputs, a, new Span2D<float>(projection, rows, rank), _settings);
            }

            float[] first = net.LayerCount == 1 ? logits : front;
            LowRankFirstLayer.Apply(
                net, shared, projection, factorsB.Slice(q * rank * width, rank * width), rank, scales[p], member.Bias(0), bias,
                new Span2D<float>(first, 0, rows, width, 0), _settings.ResolvedPath);

            float[] source = first, destination = back;
            for (int l = 1; l < net.LayerCount; l++)
            {
                int fanIn = net.Widths[l], fanOut = net.Widths[l + 1];
                destination = l == net.LayerCount - 1 ? logits : destination;
                FusedExecutor.Layer(
                    member, l, new ReadOnlySpan2D<float>(source, 0, rows, fanIn, 0), new Span2D<float>(destination, 0, rows, fanOut, 0),
                    bias, Span2D<float>.Empty, _settings);
                (source, destination) = (destination, source);
            }

            results[p] = BackendArguments.Score(new ReadOnlySpan2D<float>(logits, 0, rows, net.Outputs, 0), labels);
        }
    }

    /// <summary>Nothing to release: the CPU backend's buffers are managed arrays.</summary>
    public void Dispose()
    {
    }

    private EvaluationResult EvaluateMember(NetworkParameters member, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels)
    {
        Span2D<float> logits = Logits(inputs.Height, member.Architecture.Outputs);
        _executor.Forward(member, inputs, logits);
        return BackendArguments.Score(logits, labels);
    }

    private float[] MemberBuffer(int count)
    {
        // NetworkParameters wraps an array of exactly ParameterCount floats, so the buffer is resized, not grown.
        if (_member.Length != count)
        {
            _member = GC.AllocateUninitializedArray<float>(count);
        }

        return _member;
    }

    private Span2D<float> Logits(int rows, int classes)
    {
        if (_logits.Length < rows * classes)
        {
            _logits = GC.AllocateUninitializedArray<float>(rows * classes);
        }

        return new Span2D<float>(_logits, 0, rows, classes, 0);
    }

    /// <summary><c>D_out(D_in(v))</c> with no bias: the epilogue for a GEMM called without one.</summary>
    private readonly struct DeadZoneOnlyEpilogue(float inputThreshold, float outputThreshold) : IGemmEpilogue
    {
        public void Apply(Span<float> segment, int row, int column)
        {
            Kernels.DeadZone.Apply(segment, inputThreshold);
            Kernels.DeadZone.Apply(segment, outputThreshold);
        }
    }
}
