using CommunityToolkit.HighPerformance;
using CpuLinear.Backends;
using CpuLinear.Networks;
using CpuLinear.Parallelism;
using CpuLinear.Scoring;
using CpuLinear.Training;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime;
using ILGPU;

namespace CpuLinear.Gpu;

// Populations: member vectors, low-rank members built on the device, chunking to the memory budget, scoring.
public sealed partial class IlgpuBackend
{
    /// <inheritdoc />
    public void EvaluatePopulation(NetworkArchitecture architecture, ReadOnlySpan<float> members, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        int population = BackendArguments.ValidatePopulation(architecture, members.Length, results.Length, nameof(members));
        BackendArguments.ValidateBatch(architecture, inputs, labels);
        EvaluateChunks(architecture, null, members, inputs, labels, results, population);
    }

    /// <inheritdoc />
    public void EvaluatePopulation(NetworkParameters baseParameters, ReadOnlySpan<float> perturbations, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(baseParameters);
        NetworkArchitecture net = baseParameters.Architecture;
        int population = BackendArguments.ValidatePopulation(net, perturbations.Length, results.Length, nameof(perturbations));
        BackendArguments.ValidateBatch(net, inputs, labels);
        EvaluateChunks(net, baseParameters.Values, perturbations, inputs, labels, results, population);
    }

    /// <inheritdoc />
    public void EvaluateLowRankPopulation(
        NetworkParameters centre, ReadOnlySpan<float> members, int rank, ReadOnlySpan<float> factorsA, ReadOnlySpan<float> factorsB,
        ReadOnlySpan<float> scales, int membersPerFactor, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(centre);
        NetworkArchitecture net = centre.Architecture;
        int population = BackendArguments.ValidateLowRank(net, members.Length, rank, factorsA.Length, factorsB.Length, scales.Length, membersPerFactor, results.Length);
        BackendArguments.ValidateBatch(net, inputs, labels);
        int batch = inputs.Height, count = net.ParameterCount, width = net.Widths[1];
        if (population == 0 || batch == 0)
        {
            results.Fill(new EvaluationResult(0, 0, 0));
            return;
        }

        // Per member: its share of the factors and projections and its scale; shared: x·W₁ and W₁'s vector.
        long extraPerMember = ((((long)net.Inputs * rank) + ((long)rank * width) + ((long)batch * rank)) / membersPerFactor) + 1;
        int chunk = PlanChunk(net, batch, false, population, extraPerMember, ((long)batch * width) + count, membersPerFactor);
        LastChunkSize = chunk;
        ArrayView<float> deviceInputs = UploadInputs(inputs);
        ArrayView<float> shared = SharedFirstProduct(net, deviceInputs, _base.Upload(centre.Values), batch);
        for (int first = 0; first < population; first += chunk)
        {
            int size = Math.Min(chunk, population - first), factors = size / membersPerFactor, firstFactor = first / membersPerFactor;
            ArrayView<float> deviceMembers = _members.Upload(members.Slice(first * count, size * count));
            ArrayView<float> a = _factorsA.Upload(factorsA.Slice(firstFactor * net.Inputs * rank, factors * net.Inputs * rank));
            ArrayView<float> b = _factorsB.Upload(factorsB.Slice(firstFactor * rank * width, factors * rank * width));
            ArrayView<float> deviceScales = _scales.Upload(scales.Slice(first, size));
            var factorLayout = new FactorLayout(a, net.Inputs * rank, 0, b, rank * width, 0);
            EvaluateLowRankChunk(net, rank, deviceInputs, shared, deviceMembers, factorLayout, deviceScales, size, membersPerFactor, labels, results.Slice(first, size));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only θ, the noise and the minibatch travel to the device: the members are built there
    /// (<see cref="DeviceKernels.PairMemberBias{TFma}"/>, <see cref="DeviceKernels.PairMemberWeights{TFma}"/>) with
    /// the host's arithmetic, and x·A and the first layer read the factors straight from the noise vectors.
    /// </remarks>
    public void EvaluateLowRankPairs(
        NetworkParameters centre, Evolution.LowRankNoiseLayout layout, ReadOnlySpan<float> pairNoise, float sigma,
        ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        int pairs = BackendArguments.ValidatePairs(centre, layout, pairNoise.Length, results.Length);
        BackendArguments.ValidateBatch(centre.Architecture, inputs, labels);
        NetworkArchitecture net = centre.Architecture;
        int batch = inputs.Height, count = net.ParameterCount, width = net.Widths[1], rank = layout.Rank, length = layout.Length;
        if (pairs == 0 || batch == 0)
        {
            results.Fill(new EvaluationResult(0, 0, 0));
            return;
        }

        // Per member: half a noise vector, half a pair's projections and its scale; shared: x·W₁ and θ.
        long extraPerMember = ((length + ((long)batch * rank)) / 2) + 2;
        int chunk = PlanChunk(net, batch, true, 2 * pairs, extraPerMember, (long)batch * width, 2);
        LastChunkSize = chunk;
        ArrayView<float> deviceInputs = UploadInputs(inputs);
        ArrayView<float> deviceCentre = _base.Upload(centre.Values);
        ArrayView<float> shared = SharedFirstProduct(net, deviceInputs, deviceCentre, batch);
        float factorScale = sigma / MathF.Sqrt(rank);
        var hostScales = new float[chunk];
        for (int m = 0; m < chunk; m++)
        {
            hostScales[m] = (m & 1) == 0 ? factorScale : -factorScale;
        }

        ArrayView<float> deviceScales = _scales.Upload(hostScales);
        for (int first = 0; first < pairs; first += chunk / 2)
        {
            int size = Math.Min(chunk / 2, pairs - first), members = 2 * size;
            ArrayView<float> noise = _noise.Upload(pairNoise.Slice(first * length, size * length));
            ArrayView<float> deviceMembers = _members.View((long)members * count);
            for (int l = 0; l < net.LayerCount; l++)
            {
                var args = new PairMemberArguments
                {
                    ParameterCount = count,
                    NoiseLength = length,
                    FanOut = net.Widths[l + 1],
                    Rank = rank,
                    WeightOffset = net.WeightOffset(l),
                    BiasOffset = net.BiasOffset(l),
                    FactorA = layout.FactorA(l),
                    FactorB = layout.FactorB(l),
                    BiasNoise = layout.BiasNoise(l),
                    Sigma = sigma,
                };
                _pairBias(new Index2D(net.Widths[l + 1], members), deviceCentre, noise, deviceMembers, args);
                if (l > 0)
                {
                    // The first layer's weights are never read: its rank-r term goes to the shared product.
                    _pairWeights(new Index3D(net.Widths[l + 1], net.Widths[l], members), deviceCentre, noise, deviceScales, deviceMembers, args);
                }
            }

            var factorLayout = new FactorLayout(noise, length, layout.FactorA(0), noise, length, layout.FactorB(0));
            EvaluateLowRankChunk(net, rank, deviceInputs, shared, deviceMembers, factorLayout, deviceScales, members, 2, labels, results.Slice(2 * first, members));
        }
    }

    /// <summary>
    /// How many members one device pass may hold: what the budget leaves after the buffers this plan does not
    /// touch and the shared ones (minibatch, base vector), divided by one member's parameters, activations and logits.
    /// </summary>
    internal int PlanChunk(NetworkArchitecture net, int batch, bool withBase, int population, long extraPerMemberFloats = 0, long extraSharedFloats = 0, int multiple = 1)
    {
        long count = net.ParameterCount;
        long widest = net.Widths.Skip(1).SkipLast(1).DefaultIfEmpty(0).Max();
        long perMember = (count + (2 * batch * widest) + ((long)batch * net.Outputs) + extraPerMemberFloats) * sizeof(float);
        long shared = (((long)batch * net.Inputs) + (withBase ? count : 0) + extraSharedFloats) * sizeof(float);
        long outside = _pool.BytesOutside(_inputs, _base, _members, _front, _back, _logits, _shared, _projection, _factorsA, _factorsB, _scales, _noise);
        long available = _pool.BudgetBytes - outside - shared;
        long fits = available / perMember / multiple * multiple;
        if (fits < 1)
        {
            throw new DeviceMemoryExceededException(
                $"{(multiple == 1 ? "One member" : $"{multiple} members")} of {net} with a minibatch of {batch} rows", shared + (perMember * multiple) + outside, _pool.BudgetBytes, DeviceDescription);
        }

        // A launch indexes its threads with an int: one thread per member parameter (member vectors) or per
        // activation, so cap the members per pass where those counts would pass int.MaxValue.
        long threadsPerMember = Math.Max(count, (long)batch * net.Widths.Skip(1).Max());
        fits = Math.Min(fits, Math.Max(multiple, int.MaxValue / threadsPerMember / multiple * multiple));
        return (int)Math.Min(population, fits);
    }

    private ArrayView<float> SharedFirstProduct(NetworkArchitecture net, ArrayView<float> deviceInputs, ArrayView<float> deviceCentre, int batch)
    {
        ArrayView<float> shared = _shared.View((long)batch * net.Widths[1]);
        Gemm(new Index3D(net.Widths[1], batch, 1), deviceInputs, deviceCentre, deviceCentre, shared, new GemmArguments
        {
            M = batch,
            N = net.Widths[1],
            K = net.Inputs,
            OffsetB = net.WeightOffset(0),
        });
        return shared;
    }

    private void EvaluateLowRankChunk(
        NetworkArchitecture net, int rank, ArrayView<float> deviceInputs, ArrayView<float> shared, ArrayView<float> deviceMembers,
        FactorLayout factors, ArrayView<float> deviceScales, int size, int membersPerFactor, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        int batch = labels.Length, width = net.Widths[1], classes = net.Outputs, pairs = size / membersPerFactor;
        ArrayView<float> projection = _projection.View((long)pairs * batch * rank);
        Gemm(new Index3D(rank, batch, pairs), deviceInputs, factors.A, factors.A, projection, new GemmArguments
        {
            M = batch,
            N = rank,
            K = net.Inputs,
            BatchStrideB = factors.AStride,
            OffsetB = factors.AOffset,
            BatchStrideC = (long)batch * rank,
        });
        ArrayView<float> firstOutput = net.LayerCount == 1
            ? _logits.View((long)size * batch * classes)
            : _front.View((long)size * batch * net.Widths.Skip(1).SkipLast(1).Max());
        (float inner, float outer) = FusedExecutor.Thresholds(net, 0);
        _lowRank(new Index3D(width, batch, size), shared, projection, factors.B, deviceScales, deviceMembers, firstOutput, new LowRankArguments
        {
            Rows = batch,
            N = width,
            Rank = rank,
            MembersPerFactor = membersPerFactor,
            ParameterCount = net.ParameterCount,
            BiasOffset = net.BiasOffset(0),
            FactorStride = factors.BStride,
            FactorBOffset = factors.BOffset,
            InputThreshold = inner,
            OutputThreshold = outer,
        });
        ArrayView<float> deviceLogits = net.LayerCount == 1 ? firstOutput : ForwardOnDevice(net, deviceMembers, size, firstOutput, batch, firstLayer: 1);
        HostLogits(deviceLogits);
        ScoreMembers(size, batch, classes, labels, results);
    }

    private void EvaluateChunks(NetworkArchitecture net, float[]? baseValues, ReadOnlySpan<float> vectors, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels, Span<EvaluationResult> results, int population)
    {
        if (population == 0)
        {
            return;
        }

        int batch = inputs.Height, count = net.ParameterCount, classes = net.Outputs;
        int chunk = PlanChunk(net, batch, baseValues is not null, population);
        LastChunkSize = chunk;
        ArrayView<float> deviceInputs = UploadInputs(inputs);
        ArrayView<float> deviceBase = baseValues is null ? default : _base.Upload(baseValues);
        for (int first = 0; first < population; first += chunk)
        {
            int size = Math.Min(chunk, population - first);
            ArrayView<float> deviceMembers = _members.Upload(vectors.Slice(first * count, size * count));
            if (baseValues is not null)
            {
                _addBase(new Index2D(count, size), deviceMembers, deviceBase);
            }

            ArrayView<float> deviceLogits = batch == 0 ? default : ForwardOnDevice(net, deviceMembers, size, deviceInputs, batch);
            if (batch > 0)
            {
                HostLogits(deviceLogits);
            }

            ScoreMembers(size, batch, classes, labels, results.Slice(first, size));
        }
    }

    private void ScoreMembers(int members, int batch, int classes, ReadOnlySpan<byte> labels, Span<EvaluationResult> results)
    {
        if (batch == 0)
        {
            results[..members].Fill(new EvaluationResult(0, 0, 0));
            return;
        }

        var scored = new EvaluationResult[members];
        EngineParallel.For(members, _hostThreads, new ScoreWork(_hostLogits, labels.ToArray(), batch, classes, scored));
        scored.CopyTo(results);
    }

    private readonly struct ScoreWork(float[] logits, byte[] labels, int batch, int classes, EvaluationResult[] scored) : IWorkItems
    {
        public void Run(int index) =>
            scored[index] = BackendArguments.Score(new ReadOnlySpan2D<float>(logits, index * batch * classes, batch, classes, 0), labels);
    }

    private readonly record struct FactorLayout(ArrayView<float> A, long AStride, long AOffset, ArrayView<float> B, long BStride, long BOffset);
}
