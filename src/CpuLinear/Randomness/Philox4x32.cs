using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CpuLinear.Randomness;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
/// generator. Block <c>i</c> of stream <c>s</c> under key <c>k</c> is a pure function of (k, s, i), so any
/// element of any stream can be produced on any thread, in any order, on any backend, without storing
/// anything: what evolution strategies needs to regenerate a population member from (seed, generation, member).
/// Only integer multiplies, xors and adds are used, so the bits are the same on every platform.
/// </summary>
public static class Philox4x32
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The four 32-bit words of block <paramref name="block"/> of <paramref name="stream"/> under <paramref name="key"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint X0, uint X1, uint X2, uint X3) Block(ulong key, ulong stream, ulong block)
    {
        uint c0 = (uint)block, c1 = (uint)(block >> 32), c2 = (uint)stream, c3 = (uint)(stream >> 32);
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0);
            k0 += W0;
            k1 += W1;
        }

        return (c0, c1, c2, c3);
    }

    /// <summary>
    /// Blocks <paramref name="firstBlock"/>, firstBlock + 1, … of <paramref name="stream"/> under <paramref name="key"/>,
    /// their four words each in order (block j's words at 4j … 4j+3): <paramref name="words"/>.Length / 4 blocks, the
    /// words of <see cref="Block"/>. With <paramref name="vectorLanes"/> (and 512-bit vectors in hardware) eight blocks run
    /// at once, one per 64-bit lane; integer arithmetic, so the words are the same either way.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of four.</exception>
    public static void Blocks(ulong key, ulong stream, ulong firstBlock, Span<uint> words, bool vectorLanes)
    {
        if (words.Length % 4 != 0)
        {
            throw new ArgumentException($"Philox blocks have four words each; {words.Length} words asked for.", nameof(words));
        }

        int blocks = words.Length / 4, j = 0;
        if (vectorLanes && Vector512.IsHardwareAccelerated)
        {
            for (; j + 8 <= blocks; j += 8)
            {
                EightBlocks(key, stream, firstBlock + (ulong)j, words.Slice(4 * j, 32));
            }
        }

        for (; j < blocks; j++)
        {
            (words[4 * j], words[(4 * j) + 1], words[(4 * j) + 2], words[(4 * j) + 3]) = Block(key, stream, firstBlock + (ulong)j);
        }
    }

    // Blocks first … first+7 in the eight 64-bit lanes: each lane holds one 32-bit word, and the 32 x 32-bit products
    // are exact in 64 bits, so every step is the scalar round's.
    [SkipLocalsInit]
    private static void EightBlocks(ulong key, ulong stream, ulong first, Span<uint> words)
    {
        Vector512<ulong> low = Vector512.Create(0xFFFF_FFFFUL);
        Vector512<ulong> block = Vector512.Create(first) + Vector512.Create(0UL, 1UL, 2UL, 3UL, 4UL, 5UL, 6UL, 7UL);
        Vector512<ulong> c0 = block & low, c1 = block >>> 32;
        Vector512<ulong> c2 = Vector512.Create(stream & 0xFFFF_FFFFUL), c3 = Vector512.Create(stream >> 32);
        Vector512<ulong> m0 = Vector512.Create((ulong)M0), m1 = Vector512.Create((ulong)M1);
        uint k0 = (uint)key, k1 = (uint)(key >> 32);
        for (int round = 0; round < 10; round++)
        {
            Vector512<ulong> p0 = c0 * m0, p1 = c2 * m1;
            Vector512<ulong> next0 = (p1 >>> 32) ^ c1 ^ Vector512.Create((ulong)k0);
            Vector512<ulong> next2 = (p0 >>> 32) ^ c3 ^ Vector512.Create((ulong)k1);
            (c0, c1, c2, c3) = (next0, p1 & low, next2, p0 & low);
            k0 += W0;
            k1 += W1;
        }

        Span<ulong> lanes = stackalloc ulong[32];
        c0.CopyTo(lanes);
        c1.CopyTo(lanes[8..]);
        c2.CopyTo(lanes[16..]);
        c3.CopyTo(lanes[24..]);
        for (int j = 0; j < 8; j++)
        {
            words[4 * j] = (uint)lanes[j];
            words[(4 * j) + 1] = (uint)lanes[8 + j];
            words[(4 * j) + 2] = (uint)lanes[16 + j];
            words[(4 * j) + 3] = (uint)lanes[24 + j];
        }
    }
}
