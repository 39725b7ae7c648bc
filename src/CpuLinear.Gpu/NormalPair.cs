namespace CpuLinear.Gpu;

/// <summary>The two normals one Philox block gives through Box–Muller, before rounding to float.</summary>
internal readonly struct NormalPair(double cos, double sin)
{
    /// <summary>Element 2j of the stream (rounded to float).</summary>
    public double Cos { get; } = cos;

    /// <summary>Element 2j + 1 of the stream (rounded to float).</summary>
    public double Sin { get; } = sin;
}
