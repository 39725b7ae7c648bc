namespace CpuLinear.Tests;

/// <summary>Seeded test inputs. The generator is written out here so the data never changes with the runtime.</summary>
internal static class TestData
{
    /// <summary>
    /// Values spread over many binades with both signs and some exact zeros: separately rounded multiply-add,
    /// or a different summation order, would change the last bits of most sums over such values.
    /// </summary>
    public static float[] WideRange(int count, ulong seed)
    {
        var values = new float[count];
        ulong state = seed;
        for (int i = 0; i < count; i++)
        {
            ulong r = SplitMix64(ref state);
            if ((r & 31) == 0)
            {
                values[i] = 0f;
                continue;
            }

            double mantissa = ((r >> 11) & ((1UL << 40) - 1)) / (double)(1UL << 40);
            int exponent = (int)((r >> 5) % 12) - 6;
            double magnitude = (1.0 + mantissa) * Math.Pow(2, exponent);
            values[i] = (float)(((r >> 4) & 1) == 0 ? magnitude : -magnitude);
        }

        return values;
    }

    public static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
