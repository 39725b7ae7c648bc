using ILGPU;
using ILGPU.Runtime;

namespace CpuLinear.Gpu;

/// <summary>
/// Loads an implicitly grouped kernel the way each accelerator runs it fastest: ILGPU's automatic group size on CUDA;
/// one warp per group on the CPU accelerator, whose groups are simulated by as many threads as they hold (a 256-thread
/// group costs a launch of a few elements tens of milliseconds there). The group size never changes a result: each
/// thread computes its own elements with no shared state.
/// </summary>
internal static class KernelLoading
{
    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2> Load<TIndex, T1, T2>(Accelerator accelerator, Action<TIndex, T1, T2> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3> Load<TIndex, T1, T2, T3>(Accelerator accelerator, Action<TIndex, T1, T2, T3> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3, T4> Load<TIndex, T1, T2, T3, T4>(Accelerator accelerator, Action<TIndex, T1, T2, T3, T4> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3, T4, T5> Load<TIndex, T1, T2, T3, T4, T5>(Accelerator accelerator, Action<TIndex, T1, T2, T3, T4, T5> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3, T4, T5, T6> Load<TIndex, T1, T2, T3, T4, T5, T6>(Accelerator accelerator, Action<TIndex, T1, T2, T3, T4, T5, T6> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3, T4, T5, T6, T7> Load<TIndex, T1, T2, T3, T4, T5, T6, T7>(Accelerator accelerator, Action<TIndex, T1, T2, T3, T4, T5, T6, T7> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);

    /// <summary>The kernel for <paramref name="accelerator"/> (see the type).</summary>
    public static Action<TIndex, T1, T2, T3, T4, T5, T6, T7, T8> Load<TIndex, T1, T2, T3, T4, T5, T6, T7, T8>(Accelerator accelerator, Action<TIndex, T1, T2, T3, T4, T5, T6, T7, T8> kernel)
        where TIndex : struct, IIndex
        where T1 : struct
        where T2 : struct
        where T3 : struct
        where T4 : struct
        where T5 : struct
        where T6 : struct
        where T7 : struct
        where T8 : struct =>
        accelerator.AcceleratorType == AcceleratorType.Cuda
            ? accelerator.LoadAutoGroupedStreamKernel(kernel)
            : accelerator.LoadImplicitlyGroupedStreamKernel(kernel, accelerator.WarpSize);
}
