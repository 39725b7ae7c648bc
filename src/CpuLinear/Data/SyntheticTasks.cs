using CommunityToolkit.HighPerformance.Buffers;
using CpuLinear.Randomness;

namespace CpuLinear.Data;

/// <summary>
/// Small two-class tasks that no linear classifier can solve, generated deterministically from a seed, in the
/// same <see cref="LabeledImages"/> shape as MNIST (Rows = 1, Columns = feature count).
/// </summary>
/// <remarks>
/// XOR and circles are generated in antithetic groups of four (two points per class that mirror each other),
/// so the two class means are equal up to float rounding in every sample, not only in expectation. Equal
/// class means rule out linear separability: a separator w·x + b would be positive on average over one class
/// and negative on average over the other, but both averages equal w·mean + b.
/// The train split uses generator stream 1, the test split stream 2.
/// </remarks>
public static class SyntheticTasks
{
    /// <summary>
    /// XOR: four Gaussian blobs at (±1, ±1) with standard deviation <paramref name="noise"/>; label 1 when the
    /// blob's coordinates have opposite signs (quadrant parity).
    /// </summary>
    public static DatasetSplits Xor(ulong seed, int trainCount = 1024, int testCount = 256, float noise = 0.25f)
    {
        string what = $"synthetic xor (seed {seed}, noise {noise})";
        return Split("xor", seed, trainCount, testCount, what, (rng, count, desc) => XorSplit(rng, count, noise, desc));
    }

    /// <summary>
    /// Two concentric circles: radius 1 (label 0) and radius 2 (label 1), radial noise of standard deviation
    /// <paramref name="noise"/>.
    /// </summary>
    public static DatasetSplits Circles(ulong seed, int trainCount = 1024, int testCount = 256, float noise = 0.1f)
    {
        string what = $"synthetic circles (seed {seed}, noise {noise})";
        return Split("circles", seed, trainCount, testCount, what, (rng, count, desc) => CirclesSplit(rng, count, noise, desc));
    }

    /// <summary>
    /// n-bit parity: every one of the 2^n bit patterns, <paramref name="repeats"/> times in the train split and
    /// once in the test split, in shuffled order; label = number of set bits mod 2. Bits are encoded as ±1
    /// when <paramref name="signed"/>, else as 0/1, plus Gaussian noise of standard deviation
    /// <paramref name="noise"/> (0 gives exact patterns, where each class mean is exactly the same vector).
    /// </summary>
    public static DatasetSplits Parity(int bits, ulong seed, int repeats = 1, float noise = 0f, bool signed = true)
    {
        // One bit is separable (x > 0); 20 bits is already 1M rows.
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 20);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(repeats);
        string what = $"synthetic {bits}-bit parity (seed {seed}, {(signed ? "±1" : "0/1")}, noise {noise})";
        LabeledImages train = ParitySplit(new DeterministicRandom(seed, 1), bits, repeats, noise, signed, what + ", train");
        LabeledImages test = ParitySplit(new DeterministicRandom(seed, 2), bits, 1, noise, signed, what + ", test");
        return new DatasetSplits($"parity{bits}", train, test);
    }

    private static DatasetSplits Split(
        string name, ulong seed, int trainCount, int testCount, string what, Func<DeterministicRandom, int, string, LabeledImages> make)
    {
        foreach (int count in new[] { trainCount, testCount })
        {
            if (count <= 0 || count % 4 != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(trainCount), count, "Counts must be positive multiples of 4 (antithetic groups keep the classes balanced).");
            }
        }

        LabeledImages train = make(new DeterministicRandom(seed, 1), trainCount, what + ", train");
        LabeledImages test = make(new DeterministicRandom(seed, 2), testCount, what + ", test");
        return new DatasetSplits(name, train, test);
    }

    private static LabeledImages XorSplit(DeterministicRandom rng, int count, float noise, string description)
    {
        ReadOnlySpan<(float X, float Y, byte Label)> centers = [(1, 1, 0), (-1, -1, 0), (1, -1, 1), (-1, 1, 1)];
        int[] order = Permutation(rng, count);
        var pixels = MemoryOwner<float>.Allocate(count * 2);
        var labels = new byte[count];
        Span<float> x = pixels.Span;
        for (int group = 0; group < count / 4; group++)
        {
            // One noise vector per group, shared by the four blobs, so it cancels in both class means.
            float ex = (float)(noise * rng.NextGaussian());
            float ey = (float)(noise * rng.NextGaussian());
            for (int k = 0; k < 4; k++)
            {
                int row = order[group * 4 + k];
                x[row * 2] = centers[k].X + ex;
                x[row * 2 + 1] = centers[k].Y + ey;
                labels[row] = centers[k].Label;
            }
        }

        return new LabeledImages(pixels, labels, 1, 2, 2, Generated(description));
    }

    private static LabeledImages CirclesSplit(DeterministicRandom rng, int count, float noise, string description)
    {
        int[] order = Permutation(rng, count);
        var pixels = MemoryOwner<float>.Allocate(count * 2);
        var labels = new byte[count];
        Span<float> x = pixels.Span;
        for (int group = 0; group < count / 4; group++)
        {
            for (byte label = 0; label < 2; label++)
            {
                // Two diametrically opposite points per class with the same radius: their mean is the origin.
                double angle = 2.0 * Math.PI * rng.NextDouble();
                double radius = 1.0 + label + noise * rng.NextGaussian();
                for (int side = 0; side < 2; side++)
                {
                    double a = angle + side * Math.PI;
                    int row = order[group * 4 + label * 2 + side];
                    x[row * 2] = (float)(radius * Math.Cos(a));
                    x[row * 2 + 1] = (float)(radius * Math.Sin(a));
                    labels[row] = label;
                }
            }
        }

        return new LabeledImages(pixels, labels, 1, 2, 2, Generated(description));
    }

    private static LabeledImages ParitySplit(DeterministicRandom rng, int bits, int repeats, float noise, bool signed, string description)
    {
        int patterns = 1 << bits;
        int count = checked(patterns * repeats);
        int[] order = Permutation(rng, count);
        var pixels = MemoryOwner<float>.Allocate(checked(count * bits));
        var labels = new byte[count];
        Span<float> x = pixels.Span;
        float zero = signed ? -1f : 0f;
        for (int i = 0; i < count; i++)
        {
            int pattern = i % patterns;
            int row = order[i];
            for (int b = 0; b < bits; b++)
            {
                float value = ((pattern >> b) & 1) != 0 ? 1f : zero;
                x[row * bits + b] = noise == 0f ? value : value + (float)(noise * rng.NextGaussian());
            }

            labels[row] = (byte)(int.PopCount(pattern) & 1);
        }

        return new LabeledImages(pixels, labels, 1, bits, 2, Generated(description));
    }

    /// <summary>Fisher-Yates shuffle of 0..count-1: the row each generated example lands in.</summary>
    private static int[] Permutation(DeterministicRandom rng, int count)
    {
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }

        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static DataProvenance Generated(string description) =>
        new(description, null, null, null, null, ChecksumStatus.Generated);
}
