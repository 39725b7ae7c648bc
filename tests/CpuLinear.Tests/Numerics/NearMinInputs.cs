namespace CpuLinear.Tests.Numerics;

/// <summary>
/// Seeded random float32 inputs concentrated where flushing decides the result: subnormals, normals just above
/// 2^-126, values near 0.5 and 1 (which 2^-125 and 2^-126 scale to the boundary), large values (which 2^125
/// overflows), zeros and specials, both signs.
/// </summary>
internal static class NearMinInputs
{
    public static float[] Create(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = One(random);
        }

        return values;
    }

    /// <summary>
    /// Second operands for additions: half independent draws, half near-negations of <paramref name="x"/>, so
    /// normal + normal cancels into the subnormal range (the case FTZ exists for).
    /// </summary>
    public static float[] CreatePartners(float[] x, int seed)
    {
        var random = new Random(seed);
        var values = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            if (random.Next(2) == 0)
            {
                values[i] = One(random);
                continue;
            }

            uint bits = BitConverter.SingleToUInt32Bits(x[i]);
            if ((bits & 0x7FFF_FFFF) > 0x7F80_0000)
            {
                values[i] = x[i]; // a NaN keeps its one payload (see One)
                continue;
            }

            bits ^= 0x8000_0000;
            uint magnitude = bits & 0x7FFF_FFFF;
            if (magnitude < 0x7F80_0000)
            {
                // Move a few ulps either way, staying finite and on the same side of zero.
                long moved = Math.Clamp((long)magnitude + random.Next(-4, 5), 0, 0x7F7F_FFFF);
                bits = (bits & 0x8000_0000) | (uint)moved;
            }

            values[i] = BitConverter.UInt32BitsToSingle(bits);
        }

        return values;
    }

    private static float One(Random random)
    {
        uint sign = random.Next(2) == 0 ? 0u : 0x8000_0000u;
        uint mantissa = (uint)random.Next(1 << 23);
        int kind = random.Next(20);
        uint exponent = kind switch
        {
            < 6 => 0,                                  // subnormal (or, rarely, zero)
            < 11 => (uint)random.Next(1, 5),           // 2^-126 .. 2^-122
            < 14 => (uint)random.Next(123, 128),       // about 0.0625 .. 2: the 2^-125 / 2^-126 boundary
            < 15 => (uint)random.Next(250, 255),       // huge: 2^125 overflows
            < 16 => 0xFFFF,                            // exact zero, marked below
            < 18 => (uint)random.Next(0, 255),         // any finite
            _ => 0xFFFE,                               // specials, marked below
        };

        if (exponent == 0xFFFF)
        {
            return BitConverter.UInt32BitsToSingle(sign);
        }

        if (exponent == 0xFFFE)
        {
            // Only the default NaN: x86 returns the first operand's NaN when both are NaN, and operand order is
            // the JIT's choice for commutative operations, so distinct payloads could differ for that reason alone.
            // 0x3EFFFFFF·2^-125 and 0x3F7FFFFF·2^-126 are exactly min - 2^-150: IEEE rounds them up to min, FTZ
            // flushes them (tiny before and after 24-bit rounding), so they separate a correct flush from a naive one.
            uint[] specials = [0x7F80_0000, 0x0080_0000, 0x007F_FFFF, 0x0000_0001, 0x7F7F_FFFF, 0x0080_0001,
                0x3EFF_FFFF, 0x3F7F_FFFF, 0x3F00_0000, 0x3F80_0000, 0x3F00_0001, 0x3E7F_FFFF];
            return random.Next(specials.Length + 1) == specials.Length
                ? BitConverter.UInt32BitsToSingle(0xFFC0_0000)
                : BitConverter.UInt32BitsToSingle(sign | specials[random.Next(specials.Length)]);
        }

        if (random.Next(8) == 0)
        {
            mantissa |= 0x7F_FFF0; // nearly all ones: products that land just below a power of two
        }

        if (exponent == 0 && random.Next(4) == 0)
        {
            mantissa &= 0xF; // the very smallest subnormals
        }

        return BitConverter.UInt32BitsToSingle(sign | (exponent << 23) | mantissa);
    }
}
