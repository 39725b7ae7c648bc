using ILGPU;

namespace CpuLinear.Gpu;

/// <summary>
/// The host's counter-based generators as device functions, with the host's bits: <see cref="Randomness.Philox4x32"/>
/// (integer multiplies, xors and adds, exact everywhere) and <see cref="Randomness.CounterRandom"/>'s normals
/// (Box–Muller in double through <see cref="DevicePortableMath"/>, every operation rounded as the host rounds it).
/// </summary>
/// <remarks>
/// Element e of a normal stream is <c>(float)cos</c> of Philox block e / 2 for even e and <c>(float)sin</c> for odd e,
/// whichever call or thread produces it; that is what lets a device draw any element of any pair's noise on its own.
/// </remarks>
internal static class DeviceRandom
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private const double TwoPowMinus53 = 1.0 / 9007199254740992.0;

    /// <summary>Philox4x32-10 block <paramref name="block"/> of <paramref name="stream"/> under <paramref name="key"/>.</summary>
    public static PhiloxWords Block(ulong key, ulong stream, ulong block)
    {
        uint c0 = (uint)block, c1 = (uint)(block >> 32), c2 = (uint)stream, c3 = (uint)(stream >> 32);
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            uint n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
            c0 = n0;
            c1 = lo1;
            c2 = n2;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }

        return new PhiloxWords(c0, c1, c2, c3);
    }

    /// <summary><see cref="Randomness.CounterRandom.StreamOf"/>: a stream number derived from three integers.</summary>
    public static ulong StreamOf(ulong a, ulong b, ulong c) => Block(0x5EED_5EED_5EED_5EEDUL ^ a, b, c).Low64;

    /// <summary>Box–Muller on one block's words, as <see cref="Randomness.CounterRandom"/> computes it on the host.</summary>
    public static NormalPair Normals<TMath>(PhiloxWords words)
        where TMath : struct, IDeviceArithmetic
    {
        TMath math = default;
        // u1 in [2^-53, 1] so the logarithm is finite; u2 in [0, 1). Both products are exact (a power of two).
        double u1 = math.Mul((((ulong)words.X0 << 21) | (words.X1 >> 11)) + 1, TwoPowMinus53);
        double u2 = math.Mul(((ulong)words.X2 << 21) | (words.X3 >> 11), TwoPowMinus53);
        double radius = Math.Sqrt(math.Mul(-2, DevicePortableMath.Log<TMath>(u1)));
        DevicePortableMath.SinCosTurns<TMath>(u2, out double sin, out double cos);
        return new NormalPair(math.Mul(radius, cos), math.Mul(radius, sin));
    }

    /// <summary>Element <paramref name="element"/> of the standard normal stream (key, stream), as <c>FillNormal</c> writes it.</summary>
    public static float Normal<TMath>(ulong key, ulong stream, long element)
        where TMath : struct, IDeviceArithmetic
    {
        NormalPair pair = Normals<TMath>(Block(key, stream, (ulong)(element >> 1)));
        return (float)((element & 1) == 0 ? pair.Cos : pair.Sin);
    }

    /// <summary>A kernel for tests: the words of block (keys[i], streams[i], blocks[i]) into words[4i..4i+3].</summary>
    public static void BlocksKernel(Index1D index, ArrayView<ulong> keys, ArrayView<ulong> streams, ArrayView<ulong> blocks, ArrayView<uint> words)
    {
        PhiloxWords w = Block(keys[index], streams[index], blocks[index]);
        long at = 4L * index;
        words[at] = w.X0;
        words[at + 1] = w.X1;
        words[at + 2] = w.X2;
        words[at + 3] = w.X3;
    }

    /// <summary>A kernel for tests: Box–Muller on the words words[4i..4i+3] into normals[2i] (cos) and normals[2i + 1] (sin).</summary>
    public static void NormalsKernel<TMath>(Index1D index, ArrayView<uint> words, ArrayView<double> normals)
        where TMath : struct, IDeviceArithmetic
    {
        long at = 4L * index;
        NormalPair pair = Normals<TMath>(new PhiloxWords(words[at], words[at + 1], words[at + 2], words[at + 3]));
        normals[2L * index] = pair.Cos;
        normals[(2L * index) + 1] = pair.Sin;
    }

    /// <summary>A kernel for tests and for the full-rank noise table: elements [offset, offset + n) of stream (key, stream).</summary>
    public static void FillNormalKernel<TMath>(Index1D index, ArrayView<float> destination, ulong key, ulong stream, long offset)
        where TMath : struct, IDeviceArithmetic =>
        destination[index] = Normal<TMath>(key, stream, offset + index);
}
