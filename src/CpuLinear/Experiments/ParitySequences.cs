using CpuLinear.Randomness;

namespace CpuLinear.Experiments;

/// <summary>
/// Bit sequences and their parity (the number of ones mod 2) as a <see cref="LinearRnnExecutor"/> reads them: one
/// sequence per row of <see cref="Bits"/>, bits as 0 and 1.
/// </summary>
/// <param name="Bits">Count x length values, row-major, each 0 or 1.</param>
/// <param name="Labels">The parity of each row.</param>
/// <param name="Count">Sequences.</param>
/// <param name="Length">Bits per sequence.</param>
public sealed record ParitySequences(float[] Bits, byte[] Labels, int Count, int Length)
{
    /// <summary>The longest sequence <see cref="Every"/> enumerates (2^16 rows).</summary>
    public const int MaxEnumeratedLength = 16;

    /// <summary>
    /// <paramref name="count"/> uniformly random sequences of <paramref name="length"/> bits: bit t of sequence r is
    /// bit t mod 32 of word t / 32 of Philox stream (<paramref name="stream"/>, r) under <paramref name="seed"/>, so any
    /// row is a pure function of (seed, stream, r).
    /// </summary>
    public static ParitySequences Random(ulong seed, ulong stream, int count, int length) =>
        Random(seed, stream, count, length, leadingZeros: false);

    /// <summary>
    /// As <see cref="Random(ulong, ulong, int, int)"/>, but when <paramref name="leadingZeros"/> each sequence keeps only
    /// its last L bits, L uniform in [1, length] (from the same Philox stream, block 2^32), and the bits before them are
    /// 0: the parity of L random bits, written at full length. Leading zeros do not change the parity, so a network that
    /// computes parity computes it on these too; what they add is the short problems (L = 1 is the last bit alone) that
    /// give a search something to climb (the training curriculum of docs/experiments.md).
    /// </summary>
    public static ParitySequences Random(ulong seed, ulong stream, int count, int length, bool leadingZeros)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var bits = new float[checked(count * length)];
        var labels = new byte[count];
        for (int r = 0; r < count; r++)
        {
            ulong rowStream = CounterRandom.StreamOf(0x9A217, stream, (ulong)r);
            int ones = 0;
            (uint X0, uint X1, uint X2, uint X3) block = default;
            int silent = 0;
            if (leadingZeros)
            {
                // L = 1 + (x mod length); the modulo's bias is below length/2^32.
                silent = length - 1 - (int)(Philox4x32.Block(seed, rowStream, 1UL << 32).X0 % (uint)length);
            }

            for (int t = 0; t < length; t++)
            {
                if (t % 128 == 0)
                {
                    block = Philox4x32.Block(seed, rowStream, (ulong)(t / 128));
                }

                uint word = ((t / 32) % 4) switch { 0 => block.X0, 1 => block.X1, 2 => block.X2, _ => block.X3 };
                int bit = t < silent ? 0 : (int)((word >> (t % 32)) & 1);
                bits[(r * length) + t] = bit;
                ones += bit;
            }

            labels[r] = (byte)(ones & 1);
        }

        return new ParitySequences(bits, labels, count, length);
    }

    /// <summary>Every one of the 2^length sequences once, row r holding the bits of r (bit t of r at step t).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is outside [1, <see cref="MaxEnumeratedLength"/>].</exception>
    public static ParitySequences Every(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, MaxEnumeratedLength);
        int count = 1 << length;
        var bits = new float[count * length];
        var labels = new byte[count];
        for (int r = 0; r < count; r++)
        {
            for (int t = 0; t < length; t++)
            {
                bits[(r * length) + t] = (r >> t) & 1;
            }

            labels[r] = (byte)(int.PopCount(r) & 1);
        }

        return new ParitySequences(bits, labels, count, length);
    }

    /// <summary>
    /// The accuracy on all 2^length sequences of the best classifier that thresholds the number of ones once (ones ≥ k
    /// gives one class, fewer the other, k chosen best): 1/2 + C(length−1, ⌊(length−1)/2⌋)/2^length. These are
    /// exactly the linear classifiers with equal weights on every bit; 63.67% at length 8, 54.97% at 64.
    /// </summary>
    public static double CountThresholdAccuracy(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        // C(m, j) as a product of exact integer steps (rounded only once it passes 2^53, past length 56).
        int m = length - 1, j = m / 2;
        double binomial = 1;
        for (int i = 1; i <= j; i++)
        {
            binomial = binomial * (m - j + i) / i;
        }

        return 0.5 + Math.ScaleB(binomial, -length);
    }
}
