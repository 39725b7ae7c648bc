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

/// <summary>
/// <see cref="IComputeBackend"/> on ILGPU: a CUDA device (<see cref="BackendKind.Gpu"/>) or ILGPU's CPU
/// accelerator (<see cref="BackendKind.IlgpuCpu"/>, how CI runs these kernels without a GPU). Its results are
/// the same bits as <see cref="CpuBackend"/>'s.
/// </summary>
/// <remarks>
/// <para>
/// What runs where: GEMMs with their bias and dead-zone epilogue, element-wise flushes, the member vectors
/// <c>base + perturbation</c> and the whole fused forward pass run on the device; the softmax cross-entropy
/// runs on the host from the device's logits, because the CPU reference computes it with the runtime's double
/// <see cref="Math.Exp"/> and <see cref="Math.Log(double)"/>, whose bits a device's exp and log do not reproduce. That is
/// batch x classes floats back per member, small next to the forward pass.
/// </para>
/// <para>
/// Memory: every buffer is allocated on first use and kept, growing only when a larger problem arrives, all
/// within a budget (by default 85% of a CUDA device's memory). A population is evaluated in chunks of as many
/// members as fit the budget; when not even one member fits, <see cref="DeviceMemoryExceededException"/> names the size.
/// </para>
/// <para>
/// Kernels compile with <see cref="MathMode.Default"/>: ILGPU's fast-math mode would emit <c>.ftz</c> and
/// approximate division. Dead zones are explicit compare-and-select, never the device's flush-to-zero.
/// </para>
/// </remarks>
public sealed partial class IlgpuBackend : IComputeBackend
{
    /// <summary>Fraction of a CUDA device's memory the backend budgets for itself, leaving room for the driver and other users.</summary>
    public const double DefaultDeviceMemoryFraction = 0.85;

    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly DeviceMemoryPool _pool;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments> _tiledGemm;
    private readonly Action<Index1D, ArrayView<float>, float> _deadZone;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float, float> _addBias;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>> _addBase;
    private readonly Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LowRankArguments> _lowRank;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments> _pairBias;
    private readonly Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments> _pairWeights;
    private readonly DeviceBuffer _a, _b, _bias, _c, _inputs, _base, _members, _front, _back, _logits, _shared, _projection, _factorsA, _factorsB, _scales, _noise;
    private float[] _staging = [], _hostLogits = [];
    private DeviceEvolutionKernels? _evolutionKernels;
    private int _hostThreads = Environment.ProcessorCount;

    private IlgpuBackend(BackendKind kind, Context context, Accelerator accelerator, long? memoryBudgetBytes)
    {
        Kind = kind;
        _context = context;
        _accelerator = accelerator;
        DeviceDescription = $"{accelerator.AcceleratorType} accelerator: {accelerator.Name}";
        long budget = memoryBudgetBytes ?? DefaultBudget(accelerator);
        if (budget <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(memoryBudgetBytes), budget, "The device memory budget must be positive.");
        }

        _pool = new DeviceMemoryPool(accelerator, budget, DeviceDescription);
        (_tiledGemm, _deadZone, _addBias, _addBase) = accelerator.AcceleratorType == AcceleratorType.Cuda
            ? LoadKernels<PtxFusedMultiplyAdd>(accelerator)
            : LoadKernels<CpuFusedMultiplyAdd>(accelerator);
        (_lowRank, _pairBias, _pairWeights) = accelerator.AcceleratorType == AcceleratorType.Cuda
            ? LoadLowRank<PtxFusedMultiplyAdd>(accelerator)
            : LoadLowRank<CpuFusedMultiplyAdd>(accelerator);
        _a = _pool.Create("GEMM operand A");
        _b = _pool.Create("GEMM operand B");
        _bias = _pool.Create("bias");
        _c = _pool.Create("GEMM result");
        _inputs = _pool.Create("minibatch inputs");
        _base = _pool.Create("base parameters");
        _members = _pool.Create("member parameters");
        _front = _pool.Create("activations (front)");
        _back = _pool.Create("activations (back)");
        _logits = _pool.Create("logits");
        _shared = _pool.Create("shared first-layer product");
        _projection = _pool.Create("first-layer projections x·A");
        _factorsA = _pool.Create("first-layer factors A");
        _factorsB = _pool.Create("first-layer factors B");
        _scales = _pool.Create("member scales");
        _noise = _pool.Create("pair noise");
    }

    /// <inheritdoc />
    public BackendKind Kind { get; }

    /// <inheritdoc />
    public string DeviceDescription { get; }

    /// <inheritdoc />
    public FloatSemantics Semantics => FloatSemantics.FtzElementwise;

    /// <summary>Bytes of device memory this backend may hold.</summary>
    public long MemoryBudgetBytes => _pool.BudgetBytes;

    /// <summary>Bytes of device memory held now (buffers are kept between calls).</summary>
    public long AllocatedBytes => _pool.AllocatedBytes;

    /// <summary>Device allocations made so far; repeated calls of the same size add none.</summary>
    public int AllocationCount => _pool.AllocationCount;

    /// <summary>
    /// Host threads that score the members' losses (the engine's <see cref="EngineSettings.MaxThreads"/> when the
    /// backend comes from <see cref="ComputeBackends"/>); results do not depend on it.
    /// </summary>
    public int HostThreads
    {
        get => _hostThreads;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _hostThreads = value;
        }
    }

    /// <summary>Members evaluated per device pass by the last population call (the population, or a chunk of it).</summary>
    public int LastChunkSize { get; private set; }

    /// <summary>The kernels of a device ES generation, loaded on first use and shared by every session on this backend.</summary>
    internal DeviceEvolutionKernels EvolutionKernels => _evolutionKernels ??= DeviceEvolutionKernels.For(_accelerator);

    /// <summary>The accelerator the kernels run on (for a device ES session on this backend).</summary>
    internal Accelerator Accelerator => _accelerator;

    /// <summary>The memory budget every buffer on this backend counts against, a session's included.</summary>
    internal DeviceMemoryPool Pool => _pool;

    /// <summary>Whether the kernels run on CUDA (and so take the PTX arithmetic).</summary>
    internal bool IsCuda => _accelerator.AcceleratorType == AcceleratorType.Cuda;

    /// <summary>The low-rank first layer kernel (<see cref="DeviceKernels.LowRankFirstLayer{TFma}"/>), loaded for this accelerator.</summary>
    internal Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LowRankArguments> LowRankFirstLayerKernel => _lowRank;

    /// <summary>The member-bias kernel (<see cref="DeviceKernels.PairMemberBias{TFma}"/>), loaded for this accelerator.</summary>
    internal Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments> PairMemberBiasKernel => _pairBias;

    /// <summary>The member-weights kernel (<see cref="DeviceKernels.PairMemberWeights{TFma}"/>), loaded for this accelerator.</summary>
    internal Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments> PairMemberWeightsKernel => _pairWeights;

    /// <summary>A batched GEMM with its epilogue on views already on the device (<see cref="DeviceKernels.Gemm{TFma}"/>); extent is (N, M, batch).</summary>
    internal void LaunchGemm(Index3D extent, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArguments args) =>
        Gemm(extent, a, b, bias, c, args);

    /// <summary>Creates the backend on the first CUDA device.</summary>
    /// <param name="memoryBudgetBytes">Device bytes the backend may use; null for 85% of the device's memory.</param>
    /// <exception cref="BackendUnavailableException">ILGPU finds no CUDA device (or no CUDA driver).</exception>
    public static IlgpuBackend CreateCuda(long? memoryBudgetBytes = null)
    {
        Context context;
        try
        {
            context = Context.Create(builder => builder.Cuda().Math(MathMode.Default));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new BackendUnavailableException($"--backend gpu needs a CUDA device, and ILGPU could not initialise CUDA here ({ex.Message}). Use --backend cpu, or --backend ilgpu-cpu to run the GPU kernels on the CPU.", ex);
        }

        try
        {
            if (context.GetCudaDevices().Count == 0)
            {
                throw new BackendUnavailableException("--backend gpu needs a CUDA device and ILGPU found none on this machine. Use --backend cpu, or --backend ilgpu-cpu to run the GPU kernels on the CPU.");
            }

            Accelerator accelerator = context.CreateCudaAccelerator(0);
            return Create(BackendKind.Gpu, context, accelerator, memoryBudgetBytes);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Creates the backend on ILGPU's CPU accelerator: the device kernels, run by the CPU.</summary>
    /// <param name="memoryBudgetBytes">Bytes the backend may use; null for a quarter of the memory available to the process.</param>
    public static IlgpuBackend CreateCpuAccelerator(long? memoryBudgetBytes = null)
    {
        // One simulated multiprocessor whose groups can hold the GEMM's 16 x 16 threads (the default holds 16).
        var device = new CPUDevice(DeviceKernels.GemmGroupSide, DeviceKernels.GemmGroupSide, 1);
        var context = Context.Create(builder => builder.CPU(device).Math(MathMode.Default));
        try
        {
            return Create(BackendKind.IlgpuCpu, context, context.CreateCPUAccelerator(0), memoryBudgetBytes);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Gemm(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold, Span<float> c)
    {
        BackendArguments.ValidateGemm(m, n, k, a.Length, b.Length, bias.Length, c.Length);
        if (m == 0 || n == 0)
        {
            return;
        }

        ArrayView<float> da = _a.Upload(a[..(m * k)]);
        ArrayView<float> db = _b.Upload(b[..(k * n)]);
        ArrayView<float> dbias = _bias.Upload(bias);
        ArrayView<float> dc = _c.View((long)m * n);
        var args = new GemmArguments
        {
            M = m,
            N = n,
            K = k,
            HasBias = bias.IsEmpty ? 0 : 1,
            InputThreshold = inputThreshold,
            OutputThreshold = outputThreshold,
        };
        // An empty bias is still a view of a live buffer (HasBias = 0: never read).
        Gemm(new Index3D(n, m, 1), da, db, dbias, dc, args);
        Download(dc, c[..(m * n)]);
    }

    /// <inheritdoc />
    public void DeadZone(Span<float> values, float threshold)
    {
        if (values.IsEmpty)
        {
            return;
        }

        ArrayView<float> view = _c.Upload(values);
        _deadZone(new Index1D(values.Length), view, threshold);
        Download(view, values);
    }

    /// <inheritdoc />
    public void AddBiasDeadZone(Span<float> values, ReadOnlySpan<float> bias, float inputThreshold, float outputThreshold)
    {
        if (BackendArguments.ValidateBiasRows(values.Length, bias.Length) == 0)
        {
            return;
        }

        ArrayView<float> view = _c.Upload(values);
        _addBias(new Index1D(values.Length), view, _bias.Upload(bias), inputThreshold, outputThreshold);
        Download(view, values);
    }

    /// <inheritdoc />
    public void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        NetworkArchitecture net = parameters.Architecture;
        ForwardShapes.Validate(net, inputs, logits);
        if (inputs.Height == 0)
        {
            return;
        }

        ArrayView<float> deviceLogits = ForwardOnDevice(net, _members.Upload(parameters.Values), 1, UploadInputs(inputs), inputs.Height);
        HostLogits(deviceLogits);
        new ReadOnlySpan2D<float>(_hostLogits, 0, inputs.Height, net.Outputs, 0).CopyTo(logits);
    }

    /// <inheritdoc />
    public EvaluationResult EvaluateBatch(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, ReadOnlySpan<byte> labels)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        NetworkArchitecture net = parameters.Architecture;
        BackendArguments.ValidateBatch(net, inputs, labels);
        if (inputs.Height == 0)
        {
            return new EvaluationResult(0, 0, 0);
        }

        ArrayView<float> deviceLogits = ForwardOnDevice(net, _members.Upload(parameters.Values), 1, UploadInputs(inputs), inputs.Height);
        HostLogits(deviceLogits);
        return BackendArguments.Score(new ReadOnlySpan2D<float>(_hostLogits, 0, inputs.Height, net.Outputs, 0), labels);
    }

    /// <summary>Frees every device buffer, then the accelerator and the ILGPU context.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    private static IlgpuBackend Create(BackendKind kind, Context context, Accelerator accelerator, long? memoryBudgetBytes)
    {
        try
        {
            return new IlgpuBackend(kind, context, accelerator, memoryBudgetBytes);
        }
        catch
        {
            accelerator.Dispose();
            throw;
        }
    }

    private static long DefaultBudget(Accelerator accelerator) => accelerator.AcceleratorType == AcceleratorType.CPU
        ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4
        : (long)(accelerator.MemorySize * DefaultDeviceMemoryFraction);

    private static (
        Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments>,
        Action<Index1D, ArrayView<float>, float>,
        Action<Index1D, ArrayView<float>, ArrayView<float>, float, float>,
        Action<Index2D, ArrayView<float>, ArrayView<float>>) LoadKernels<TFma>(Accelerator accelerator)
        where TFma : struct, IFusedMultiplyAdd =>
        (accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArguments>(DeviceKernels.Gemm<TFma>),
         KernelLoading.Load<Index1D, ArrayView<float>, float>(accelerator, DeviceKernels.DeadZoneInPlace),
         KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, float, float>(accelerator, DeviceKernels.AddBiasDeadZone),
         KernelLoading.Load<Index2D, ArrayView<float>, ArrayView<float>>(accelerator, DeviceKernels.AddBase));

    private static (
        Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LowRankArguments>,
        Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments>,
        Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments>) LoadLowRank<TFma>(Accelerator accelerator)
        where TFma : struct, IFusedMultiplyAdd =>
        (KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, LowRankArguments>(accelerator, DeviceKernels.LowRankFirstLayer<TFma>),
         KernelLoading.Load<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments>(accelerator, DeviceKernels.PairMemberBias<TFma>),
         KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, PairMemberArguments>(accelerator, DeviceKernels.PairMemberWeights<TFma>));

    // A batched GEMM over extent (N columns, M rows, batch members): one group per 64 x 64 block of each C[z].
    private void Gemm(Index3D extent, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArguments args)
    {
        if (extent.Size == 0)
        {
            return;
        }

        const int tile = DeviceKernels.GemmTile, side = DeviceKernels.GemmGroupSide;
        var grid = new Index3D((extent.X + tile - 1) / tile, (extent.Y + tile - 1) / tile, extent.Z);
        _tiledGemm(new KernelConfig(grid, new Index3D(side, side, 1)), a, b, bias, c, args);
    }

    // S = x·W₁ once for the whole population (W₁ read from the device copy of θ).
    // One chunk of low-rank members already on the device: x·A per factor pair (a batched GEMM, minibatch shared,
    // no epilogue), the first layer from S plus the rank-r term, the later layers, then the host-side loss.
    /// <summary>
    /// The fused forward pass of <paramref name="members"/> member vectors (back to back in <paramref name="parameters"/>)
    /// on one shared minibatch: per layer one batched GEMM, <c>hₗ = D(D(hₗ₋₁·Wₗ) + D(bₗ))</c> with the thresholds of
    /// <see cref="FusedExecutor"/>. Returns the logits, member-major (members x batch x classes).
    /// </summary>
    private ArrayView<float> ForwardOnDevice(NetworkArchitecture net, ArrayView<float> parameters, int members, ArrayView<float> inputs, int batch, int firstLayer = 0)
    {
        long widest = net.Widths.Skip(1).SkipLast(1).DefaultIfEmpty(0).Max();
        ArrayView<float> front = widest == 0 ? default : _front.View(members * batch * widest);
        ArrayView<float> back = widest == 0 ? default : _back.View(members * batch * widest);
        ArrayView<float> logits = _logits.View((long)members * batch * net.Outputs);
        ArrayView<float> source = inputs;
        long sourceStride = 0;  // every member reads the same minibatch
        if (firstLayer == 1)
        {
            // Layer 0 already ran into the front buffer (the low-rank first layer): continue from its rows.
            (front, back) = (back, front);
            sourceStride = (long)batch * net.Widths[1];
        }

        for (int layer = firstLayer; layer < net.LayerCount; layer++)
        {
            int fanIn = net.Widths[layer], fanOut = net.Widths[layer + 1];
            bool last = layer == net.LayerCount - 1;
            ArrayView<float> destination = last ? logits : front;
            (float inner, float outer) = FusedExecutor.Thresholds(net, layer);
            var args = new GemmArguments
            {
                M = batch,
                N = fanOut,
                K = fanIn,
                BatchStrideA = sourceStride,
                BatchStrideB = net.ParameterCount,
                BatchStrideBias = net.ParameterCount,
                BatchStrideC = (long)batch * fanOut,
                OffsetB = net.WeightOffset(layer),
                OffsetBias = net.BiasOffset(layer),
                HasBias = 1,
                FlushBias = 1,
                InputThreshold = inner,
                OutputThreshold = outer,
            };
            Gemm(new Index3D(fanOut, batch, members), source, parameters, parameters, destination, args);
            source = destination;
            sourceStride = (long)batch * fanOut;
            (front, back) = (back, front);
        }

        return logits;
    }

    private ArrayView<float> UploadInputs(ReadOnlySpan2D<float> inputs)
    {
        if (inputs.TryGetSpan(out ReadOnlySpan<float> dense))
        {
            return _inputs.Upload(dense);
        }

        int length = inputs.Height * inputs.Width;
        if (_staging.Length < length)
        {
            _staging = GC.AllocateUninitializedArray<float>(length);
        }

        inputs.CopyTo(_staging.AsSpan(0, length));
        return _inputs.Upload(_staging.AsSpan(0, length));
    }

    // Each member's softmax cross-entropy on the host, with the CPU's exact loss arithmetic, members spread over the
    // cores: a member's loss is computed alone (rows summed in index order), so the split cannot change a bit.
    private void HostLogits(ArrayView<float> deviceLogits)
    {
        if (_hostLogits.Length < deviceLogits.Length)
        {
            _hostLogits = GC.AllocateUninitializedArray<float>((int)deviceLogits.Length);
        }

        Download(deviceLogits, _hostLogits.AsSpan(0, (int)deviceLogits.Length));
    }

    private void Download(ArrayView<float> source, Span<float> destination)
    {
        _accelerator.Synchronize();
        source.CopyToCPU(destination);
    }

    // Where each factor pair's first-layer A (inputs x r) and B (r x width₁) lie on the device: pair q's A starts at
    // AOffset + q·AStride, its B at BOffset + q·BStride (back-to-back factors, or inside the pairs' noise vectors).
}
