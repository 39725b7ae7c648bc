namespace CpuLinear.Randomness;

/// <summary>
/// SplitMix64: a counter-based generator whose output is a fixed function of (seed, stream, index), so
/// synthetic datasets are identical across .NET versions (System.Random's algorithm is an implementation
/// detail that has changed before).
/// </summary>
/// <remarks>
/// Gaussians use Box-Muller in double precision; the results are rounded to float32 when stored, which hides
/// last-ulp differences between platform libm implementations of Log/Cos in practice.
/// </remarks>
public sealed class DeterministicRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15;
    private ulong _counter;

    /// <summary>A generator for (<paramref name="seed"/>, <paramref name="stream"/>); distinct streams are independent.</summary>
    public DeterministicRandom(ulong seed, ulong stream = 0)
    {
        // Mixing the stream id before adding keeps (seed, stream) and (seed + 1, stream - 1) far apart.
        _counter = seed + Mix(stream * Golden + 0x632BE59BD9B4E019);
    }

    /// <summary>Next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        _counter += Golden;
        return Mix(_counter);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), by Lemire's multiply-shift (bias below 2^-32).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (int)(((NextUInt64() >> 32) * (ulong)bound) >> 32);
    }

    /// <summary>Standard normal sample (Box-Muller, one of the pair; the other is discarded for simplicity).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: keeps Log finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
