namespace CpuLinear.Evolution;

/// <summary>Centered-rank fitness shaping (OpenAI-ES): the worst member gets −0.5, the best +0.5.</summary>
public static class CenteredRanks
{
    /// <summary>
    /// Writes the centered rank of each fitness into <paramref name="shaped"/>. Ties are ranked by index and
    /// NaN counts as the worst fitness, so the result is a pure function of the inputs (no sort instability).
    /// A population of one gets 0.
    /// </summary>
    public static void Compute(ReadOnlySpan<double> fitness, Span<float> shaped)
    {
        if (shaped.Length != fitness.Length)
        {
            throw new ArgumentException($"{fitness.Length} fitness values but {shaped.Length} outputs.", nameof(shaped));
        }

        int n = fitness.Length;
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        double[] keys = fitness.ToArray();
        Array.Sort(order, (x, y) =>
        {
            double a = double.IsNaN(keys[x]) ? double.NegativeInfinity : keys[x];
            double b = double.IsNaN(keys[y]) ? double.NegativeInfinity : keys[y];
            int c = a.CompareTo(b);
            return c != 0 ? c : x.CompareTo(y);
        });

        for (int rank = 0; rank < n; rank++)
        {
            shaped[order[rank]] = n == 1 ? 0f : (float)((rank / (double)(n - 1)) - 0.5);
        }
    }
}
