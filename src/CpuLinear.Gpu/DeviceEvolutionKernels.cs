using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu;

/// <summary>
/// The kernels of a device ES generation (<see cref="DeviceEvolutionSession"/>), loaded once for one accelerator with
/// the arithmetic that keeps the host's bits there (<see cref="PtxDeviceArithmetic"/> on CUDA, <see cref="CpuDeviceArithmetic"/>
/// on the CPU accelerator).
/// </summary>
internal sealed class DeviceEvolutionKernels
{
    private DeviceEvolutionKernels()
    {
    }

    public required Action<Index2D, ArrayView<float>, NoiseArguments> DrawPairs { get; init; }

    public required Action<Index1D, ArrayView<int>, ArrayView<int>, NoiseArguments> ChooseUnits { get; init; }

    public required Action<Index3D, ArrayView<float>, ArrayView<int>, NoiseArguments> DrawUnits { get; init; }

    public required Action<Index1D, ArrayView<float>, ulong, ulong, int> FillTable { get; init; }

    public required Action<Index1D, ArrayView<int>, ulong, ulong, ulong> TableOffsets { get; init; }

    public required Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> GatherRows { get; init; }

    public required Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SubsetArguments> FirstActivation { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float, long, int> FullRankMembers { get; init; }

    public required Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, SubsetArguments> UnitDelta { get; init; }

    public required Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, SubsetArguments> FactorWeights { get; init; }

    public required Action<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SubsetArguments> SecondLayer { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GradientArguments> LowRankWeights { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GradientArguments> LowRankBias { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int> FullRankGradient { get; init; }

    public required Action<Index1D, ArrayView<float>, int, long, int> Clear { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int> AddBlock { get; init; }

    public required Action<Index1D, ArrayView<float>, int, float, int, long, int> ScaleRange { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TellArguments> Tell { get; init; }

    public required Action<Index1D, ArrayView<float>, ArrayView<double>, int, int, int> SumOfSquares { get; init; }

    public required Action<Index1D, ArrayView<float>, int, float, long, int> Scale { get; init; }

    /// <summary>The kernels for <paramref name="accelerator"/>, with the arithmetic its backend keeps bits with.</summary>
    public static DeviceEvolutionKernels For(Accelerator accelerator) => accelerator.AcceleratorType == AcceleratorType.Cuda
        ? Load<PtxDeviceArithmetic>(accelerator)
        : Load<CpuDeviceArithmetic>(accelerator);

    private static DeviceEvolutionKernels Load<TMath>(Accelerator a)
        where TMath : struct, IDeviceArithmetic => new()
        {
            DrawPairs = KernelLoading.Load<Index2D, ArrayView<float>, NoiseArguments>(a, DeviceNoiseKernels.DrawPairs<TMath>),
            ChooseUnits = KernelLoading.Load<Index1D, ArrayView<int>, ArrayView<int>, NoiseArguments>(a, DeviceNoiseKernels.ChooseUnits),
            DrawUnits = KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<int>, NoiseArguments>(a, DeviceNoiseKernels.DrawUnits<TMath>),
            FillTable = KernelLoading.Load<Index1D, ArrayView<float>, ulong, ulong, int>(a, DeviceNoiseKernels.FillTable<TMath>),
            TableOffsets = KernelLoading.Load<Index1D, ArrayView<int>, ulong, ulong, ulong>(a, DeviceNoiseKernels.TableOffsets),
            GatherRows = KernelLoading.Load<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(a, DevicePopulationKernels.GatherRows),
            FirstActivation = KernelLoading.Load<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, SubsetArguments>(a, DevicePopulationKernels.FirstActivation<TMath>),
            FullRankMembers = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float, long, int>(a, DevicePopulationKernels.FullRankMembers<TMath>),
            UnitDelta = KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, SubsetArguments>(a, DevicePopulationKernels.UnitDelta<TMath>),
            FactorWeights = KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, SubsetArguments>(a, DevicePopulationKernels.FactorWeights<TMath>),
            SecondLayer = KernelLoading.Load<Index3D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, SubsetArguments>(a, DevicePopulationKernels.SecondLayer<TMath>),
            LowRankWeights = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GradientArguments>(a, DeviceUpdateKernels.LowRankWeights<TMath>),
            LowRankBias = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GradientArguments>(a, DeviceUpdateKernels.LowRankBias<TMath>),
            FullRankGradient = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, int, int>(a, DeviceUpdateKernels.FullRank<TMath>),
            Clear = KernelLoading.Load<Index1D, ArrayView<float>, int, long, int>(a, DeviceUpdateKernels.Clear),
            AddBlock = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(a, DeviceUpdateKernels.AddBlock<TMath>),
            ScaleRange = KernelLoading.Load<Index1D, ArrayView<float>, int, float, int, long, int>(a, DeviceUpdateKernels.ScaleRange<TMath>),
            Tell = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TellArguments>(a, DeviceUpdateKernels.Tell<TMath>),
            SumOfSquares = KernelLoading.Load<Index1D, ArrayView<float>, ArrayView<double>, int, int, int>(a, DeviceUpdateKernels.SumOfSquares<TMath>),
            Scale = KernelLoading.Load<Index1D, ArrayView<float>, int, float, long, int>(a, DeviceUpdateKernels.Scale<TMath>),
        };
}
