namespace CpuLinear.Demos;

/// <summary>Who computed a <see cref="FloatDemoResult"/>.</summary>
public enum FloatDemoSource
{
    /// <summary>The CPU's own float unit, with the mode set in its control register through the native shim.</summary>
    Hardware,

    /// <summary><see cref="Kernels.SoftwareFlush"/> compare-and-select on an IEEE thread (no shim, or a mode the CPU cannot express).</summary>
    Software,
}
