using CpuLinear.Data;
using CpuLinear.Randomness;

namespace CpuLinear.Tests.Data;

public sealed class SyntheticTasksTests
{
    public static TheoryData<string> Names => new() { "xor", "circles", "parity4", "parity7" };

    [Theory]
    [MemberData(nameof(Names))]
    public void Same_seed_gives_identical_bits_and_another_seed_differs(string name)
    {
        using DatasetSplits a = Datasets.Load(name, new DatasetLoadOptions { Seed = 42 });
        using DatasetSplits b = Datasets.Load(name, new DatasetLoadOptions { Seed = 42 });
        using DatasetSplits c = Datasets.Load(name, new DatasetLoadOptions { Seed = 43 });
        Assert.True(a.Train.Pixels.SequenceEqual(b.Train.Pixels));
        Assert.True(a.Train.Labels.SequenceEqual(b.Train.Labels));
        Assert.True(a.Test.Pixels.SequenceEqual(b.Test.Pixels));
        Assert.False(a.Train.Labels.SequenceEqual(c.Train.Labels) && a.Train.Pixels.SequenceEqual(c.Train.Pixels));
        Assert.Equal(ChecksumStatus.Generated, a.Train.Provenance.Checksum);
    }

    [Fact]
    public void Generator_output_is_pinned_across_runtimes()
    {
        // SplitMix64 is pure integer arithmetic: these values must never change, whatever the .NET version.
        var rng = new DeterministicRandom(1, 0);
        ulong[] first = [rng.NextUInt64(), rng.NextUInt64(), rng.NextUInt64()];
        var again = new DeterministicRandom(1, 0);
        Assert.Equal(first, new[] { again.NextUInt64(), again.NextUInt64(), again.NextUInt64() });
        Assert.NotEqual(first[0], new DeterministicRandom(1, 1).NextUInt64());
        // Reference value computed independently (Python, arbitrary-precision integers masked to 64 bits).
        Assert.Equal("9183f24d8ad0727b", first[0].ToString("x16"));
    }

    [Fact]
    public void Gaussians_have_unit_variance()
    {
        var rng = new DeterministicRandom(7);
        double sum = 0, squares = 0;
        const int n = 200_000;
        for (int i = 0; i < n; i++)
        {
            double g = rng.NextGaussian();
            sum += g;
            squares += g * g;
        }

        Assert.InRange(sum / n, -0.01, 0.01);
        Assert.InRange(squares / n, 0.98, 1.02);
    }

    [Theory]
    [InlineData("xor", 2)]
    [InlineData("circles", 2)]
    public void Point_clouds_are_balanced_with_equal_class_means(string name, int features)
    {
        using DatasetSplits data = Datasets.Load(name, new DatasetLoadOptions { Seed = 5, SyntheticTrainCount = 400, SyntheticTestCount = 100 });
        Assert.Equal((400, 100, 1, features, 2), (data.Train.Count, data.Test.Count, data.Train.Rows, data.Train.Columns, data.Train.ClassCount));
        Assert.Equal([200, 200], data.Train.CountPerClass());
        Assert.Equal([50, 50], data.Test.CountPerClass());
        AssertEqualClassMeans(data.Train, 1e-5);
        AssertNoLinearSeparatorAmong(data.Train, 0.8);
    }

    [Fact]
    public void Xor_labels_follow_quadrant_parity_and_circles_follow_radius()
    {
        using DatasetSplits xor = SyntheticTasks.Xor(3, 400, 100, noise: 0.1f);
        for (int i = 0; i < xor.Train.Count; i++)
        {
            ReadOnlySpan<float> p = xor.Train.GetRow(i);
            Assert.Equal(p[0] * p[1] < 0 ? 1 : 0, xor.Train.Labels[i]);
        }

        using DatasetSplits circles = SyntheticTasks.Circles(3, 400, 100, noise: 0.05f);
        for (int i = 0; i < circles.Train.Count; i++)
        {
            ReadOnlySpan<float> p = circles.Train.GetRow(i);
            Assert.Equal(MathF.Sqrt(p[0] * p[0] + p[1] * p[1]) > 1.5f ? 1 : 0, circles.Train.Labels[i]);
        }
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(5, false)]
    public void Parity_holds_every_pattern_with_exactly_equal_class_means(int bits, bool signed)
    {
        using DatasetSplits parity = SyntheticTasks.Parity(bits, seed: 9, repeats: 3, signed: signed);
        LabeledImages train = parity.Train;
        Assert.Equal((3 << bits, bits), (train.Count, train.Features));
        Assert.Equal(1 << bits, parity.Test.Count);
        Assert.Equal([3 << (bits - 1), 3 << (bits - 1)], train.CountPerClass());
        var seen = new int[1 << bits];
        for (int i = 0; i < train.Count; i++)
        {
            ReadOnlySpan<float> row = train.GetRow(i);
            int pattern = 0;
            for (int b = 0; b < bits; b++)
            {
                Assert.Equal(1f, row[b] == 1f ? 1f : (signed ? -row[b] : row[b] + 1f));
                pattern |= row[b] == 1f ? 1 << b : 0;
            }

            seen[pattern]++;
            Assert.Equal(int.PopCount(pattern) & 1, train.Labels[i]);
        }

        Assert.All(seen, s => Assert.Equal(3, s));
        // Exact: sums of ±1 or 0/1 are integers, so the means are compared bit for bit.
        AssertEqualClassMeans(train, 0);
    }

    /// <summary>
    /// Equal class means (with equal class sizes) prove no linear separator exists: w·x + b summed over either
    /// class is the same number, so it cannot be positive on all of one and negative on all of the other.
    /// </summary>
    private static void AssertEqualClassMeans(LabeledImages data, double tolerance)
    {
        var sums = new double[2, data.Features];
        int[] counts = data.CountPerClass();
        for (int i = 0; i < data.Count; i++)
        {
            for (int f = 0; f < data.Features; f++)
            {
                sums[data.Labels[i], f] += data.GetRow(i)[f];
            }
        }

        for (int f = 0; f < data.Features; f++)
        {
            Assert.Equal(sums[0, f] / counts[0], sums[1, f] / counts[1], tolerance);
        }
    }

    /// <summary>A direct, seeded search over many random hyperplanes, to complement the mean argument.</summary>
    private static void AssertNoLinearSeparatorAmong(LabeledImages data, double maxAccuracy)
    {
        var rng = new DeterministicRandom(11);
        for (int trial = 0; trial < 2000; trial++)
        {
            double w0 = rng.NextGaussian(), w1 = rng.NextGaussian(), b = 3 * rng.NextGaussian();
            int correct = 0;
            for (int i = 0; i < data.Count; i++)
            {
                ReadOnlySpan<float> p = data.GetRow(i);
                correct += (w0 * p[0] + w1 * p[1] + b > 0 ? 1 : 0) == data.Labels[i] ? 1 : 0;
            }

            Assert.True(correct <= maxAccuracy * data.Count, $"a random line scored {correct}/{data.Count}");
        }
    }

    [Fact]
    public void Invalid_sizes_and_names_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Xor(1, 10, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticTasks.Parity(1, 1));
        var ex = Assert.Throws<ArgumentException>(() => Datasets.Load("parity99"));
        Assert.Contains("Unknown dataset 'parity99'", ex.Message);
    }
}
