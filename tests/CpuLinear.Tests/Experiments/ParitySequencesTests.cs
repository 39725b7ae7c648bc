using CpuLinear.Experiments;

namespace CpuLinear.Tests.Experiments;

public sealed class ParitySequencesTests
{
    [Fact]
    public void Every_sequence_appears_once_with_its_parity()
    {
        ParitySequences all = ParitySequences.Every(5);
        Assert.Equal(32, all.Count);
        var seen = new HashSet<string>();
        for (int r = 0; r < all.Count; r++)
        {
            float[] bits = all.Bits.AsSpan(r * 5, 5).ToArray();
            Assert.All(bits, b => Assert.True(b is 0f or 1f));
            Assert.True(seen.Add(string.Concat(bits)));
            Assert.Equal((int)bits.Sum() % 2, all.Labels[r]);
        }
    }

    [Fact]
    public void Random_sequences_are_a_function_of_seed_stream_and_row()
    {
        ParitySequences a = ParitySequences.Random(7, 3, 50, 200);
        ParitySequences b = ParitySequences.Random(7, 3, 80, 200);
        Assert.Equal(a.Bits, b.Bits.AsSpan(0, a.Bits.Length).ToArray());
        Assert.NotEqual(a.Bits, ParitySequences.Random(7, 4, 50, 200).Bits);
        for (int r = 0; r < a.Count; r++)
        {
            Assert.Equal((int)a.Bits.AsSpan(r * 200, 200).ToArray().Sum() % 2, a.Labels[r]);
        }

        // Roughly half ones, and both classes present (200 bits per row cross the 128-bit block boundary).
        double ones = a.Bits.Average();
        Assert.InRange(ones, 0.45, 0.55);
        Assert.Contains((byte)0, a.Labels);
        Assert.Contains((byte)1, a.Labels);
    }

    [Fact]
    public void Leading_zeros_keep_the_last_bits_of_the_same_stream()
    {
        ParitySequences plain = ParitySequences.Random(2, 1, 400, 16);
        ParitySequences curriculum = ParitySequences.Random(2, 1, 400, 16, leadingZeros: true);
        var kept = new HashSet<int>();
        for (int r = 0; r < plain.Count; r++)
        {
            float[] p = plain.Bits.AsSpan(r * 16, 16).ToArray(), c = curriculum.Bits.AsSpan(r * 16, 16).ToArray();
            // Everything before the kept tail is 0, and the tail is the uniform sequence's.
            int first = Enumerable.Range(0, 17).First(f => c.Take(f).All(b => b == 0) && p.Skip(f).SequenceEqual(c.Skip(f)));
            Assert.True(first < 16, $"row {r} kept no bit");
            kept.Add(16 - first);
            Assert.Equal((int)c.Sum() % 2, curriculum.Labels[r]);
        }

        Assert.True(kept.Count >= 12, $"kept lengths {string.Join(",", kept.Order())}");
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(2, 0.75)]
    [InlineData(3, 0.75)]
    [InlineData(8, 163.0 / 256)]
    public void Count_threshold_accuracy_is_the_best_threshold_on_the_count(int length, double expected)
    {
        Assert.Equal(expected, ParitySequences.CountThresholdAccuracy(length), 12);
        // Brute force over every threshold k and both class assignments on all 2^length sequences.
        ParitySequences all = ParitySequences.Every(length);
        double best = 0;
        for (int k = 0; k <= length + 1; k++)
        {
            foreach (int above in new[] { 0, 1 })
            {
                int correct = 0;
                for (int r = 0; r < all.Count; r++)
                {
                    int ones = (int)all.Bits.AsSpan(r * length, length).ToArray().Sum();
                    correct += (ones >= k ? above : 1 - above) == all.Labels[r] ? 1 : 0;
                }

                best = Math.Max(best, correct / (double)all.Count);
            }
        }

        Assert.Equal(best, ParitySequences.CountThresholdAccuracy(length), 12);
        Assert.Equal(0.5 + (916312070471295267.0 / Math.Pow(2, 64)), ParitySequences.CountThresholdAccuracy(64), 12);
    }
}
