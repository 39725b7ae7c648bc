namespace CpuLinear.Gpu;

/// <summary>The four 32-bit words of one Philox4x32-10 block (a device function's return value).</summary>
internal readonly struct PhiloxWords(uint x0, uint x1, uint x2, uint x3)
{
    public uint X0 { get; } = x0;

    public uint X1 { get; } = x1;

    public uint X2 { get; } = x2;

    public uint X3 { get; } = x3;

    /// <summary>(x1 &lt;&lt; 32) | x0: the 64-bit value the host draws offsets, unit picks and stream numbers from.</summary>
    public ulong Low64 => ((ulong)X1 << 32) | X0;
}
