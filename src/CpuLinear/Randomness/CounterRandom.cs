using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Randomness;

/// <summary>
/// Uniform and Gaussian float32 streams addressed by (key, stream, index), built on <see cref="Philox4x32"/>.
/// Element <c>i</c> of a stream never depends on how the stream is split into calls or threads: a fill of
/// [0, n) equals fills of [0, j) and [j, n) in either order.
/// </summary>
public readonly struct CounterRandom(ulong key, ulong stream)
{
    private const double TwoPowMinus53 = 1.0 / 9007199254740992.0;

    /// <summary>The key (usually the user's seed).</summary>
    public ulong Key { get; } = key;

    /// <summary>The stream within the key (e.g. a tensor, a generation/member pair).</summary>
    public ulong Stream { get; } = stream;

    /// <summary>Derives an independent stream number from several integers (order matters).</summary>
    public static ulong StreamOf(ulong a, ulong b = 0, ulong c = 0)
    {
        var (x0, x1, _, _) = Philox4x32.Block(0x5EED_5EED_5EED_5EEDUL ^ a, b, c);
        return ((ulong)x1 << 32) | x0;
    }

    /// <summary>Standard normal values for elements [<paramref name="offset"/>, offset + destination.Length), scaled by <paramref name="standardDeviation"/>.</summary>
    public void FillNormal(Span<float> destination, float standardDeviation = 1f, long offset = 0)
    {
        // Element pair (2j, 2j+1) comes from Philox block j through Box–Muller: one block, two normals (cos, sin).
        // Whole pairs are written from one evaluation; an odd start or end takes its half of the pair.
        int i = 0, count = destination.Length;
        if (count > 0 && (offset & 1) != 0)
        {
            destination[0] = (float)Pair(offset >> 1).Sin * standardDeviation;
            i = 1;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            // Four blocks (eight normals) at a time, the same bits (BoxMullerVector256).
            for (; i + 7 < count; i += 8)
            {
                BoxMullerVector256.FillEight(this, (offset + i) >> 1, standardDeviation, destination.Slice(i, 8));
            }
        }

        for (; i + 1 < count; i += 2)
        {
            var (cos, sin) = Pair((offset + i) >> 1);
            destination[i] = (float)cos * standardDeviation;
            destination[i + 1] = (float)sin * standardDeviation;
        }

        if (i < count)
        {
            destination[i] = (float)Pair((offset + i) >> 1).Cos * standardDeviation;
        }
    }

    // The two normals of Philox block `block`, before rounding to float.
    internal (double Cos, double Sin) Pair(long block)
    {
        var (x0, x1, x2, x3) = Philox4x32.Block(Key, Stream, (ulong)block);
        return NormalPair(x0, x1, x2, x3);
    }

    /// <summary>
    /// Box–Muller on one Philox block's words, before rounding to float: the definition a device generator
    /// reproduces (u1 from x0 and x1 in [2^-53, 1], u2 from x2 and x3 in [0, 1)).
    /// </summary>
    internal static (double Cos, double Sin) NormalPair(uint x0, uint x1, uint x2, uint x3)
    {
        var (u1, u2) = UniformsOf(x0, x1, x2, x3);
        double radius = Math.Sqrt(-2 * PortableMath.Log(u1));
        var (sin, cos) = PortableMath.SinCosTurns(u2);
        return (radius * cos, radius * sin);
    }

    // Box–Muller's two uniforms from Philox block `block`: u1 in [2^-53, 1] so the logarithm is finite (and its
    // argument never subnormal), u2 in [0, 1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (double U1, double U2) Uniforms(ulong key, ulong stream, long block)
    {
        var (x0, x1, x2, x3) = Philox4x32.Block(key, stream, (ulong)block);
        return UniformsOf(x0, x1, x2, x3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double U1, double U2) UniformsOf(uint x0, uint x1, uint x2, uint x3)
    {
        double u1 = ((((ulong)x0 << 21) | (x1 >> 11)) + 1) * TwoPowMinus53;
        double u2 = (((ulong)x2 << 21) | (x3 >> 11)) * TwoPowMinus53;
        return (u1, u2);
    }

    /// <summary>Uniform values in [0, 1) for elements [<paramref name="offset"/>, …).</summary>
    public void FillUniform(Span<float> destination, long offset = 0)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            long element = offset + i;
            var block = Philox4x32.Block(Key, Stream ^ 0x9E37_79B9_7F4A_7C15UL, (ulong)(element >> 2));
            uint word = (element & 3) switch { 0 => block.X0, 1 => block.X1, 2 => block.X2, _ => block.X3 };
            destination[i] = (word >> 8) * (1f / (1 << 24));
        }
    }
}
