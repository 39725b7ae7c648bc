using CpuLinear.Randomness;

namespace CpuLinear.Randomness;

/// <summary>The order examples are visited in during one epoch: a seeded shuffle, the same on every platform.</summary>
public static class MinibatchOrder
{
    /// <summary>
    /// A permutation of 0..count−1 for (<paramref name="seed"/>, <paramref name="epoch"/>): Fisher–Yates driven
    /// by the counter-based generator, so an epoch's order depends on nothing else (not on earlier epochs, so a
    /// resumed run sees the same order).
    /// </summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        var uniforms = new float[count];
        new CounterRandom(seed, CounterRandom.StreamOf(0x5_4FF1E, (ulong)epoch)).FillUniform(uniforms);
        for (int i = count - 1; i > 0; i--)
        {
            // u < 1, so j ≤ i; 24-bit uniforms are fine-grained enough for datasets far below 2^24 examples.
            int j = Math.Min((int)(uniforms[i] * (i + 1)), i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }
}
