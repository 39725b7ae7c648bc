using CpuLinear.Networks;

namespace CpuLinear.Gpu.Tests;

/// <summary>Seeded inputs; the generator is written out so the data never changes with the runtime.</summary>
internal static class Seeded
{
    /// <summary>
    /// Values over many binades, both signs, some exact zeros: a separately rounded multiply-add or another
    /// summation order changes the last bits of most sums over them.
    /// </summary>
    public static float[] WideRange(int count, ulong seed, float scale = 1f)
    {
        var values = new float[count];
        ulong state = seed;
        for (int i = 0; i < count; i++)
        {
            ulong r = Next(ref state);
            if ((r & 31) == 0)
            {
                continue;
            }

            double mantissa = ((r >> 11) & ((1UL << 40) - 1)) / (double)(1UL << 40);
            int exponent = (int)((r >> 5) % 12) - 6;
            double magnitude = (1.0 + mantissa) * Math.Pow(2, exponent) * scale;
            values[i] = (float)(((r >> 4) & 1) == 0 ? magnitude : -magnitude);
        }

        return values;
    }

    /// <summary>Uniform in [low, high).</summary>
    public static float[] Uniform(int count, ulong seed, float low, float high)
    {
        var values = new float[count];
        ulong state = seed;
        for (int i = 0; i < count; i++)
        {
            values[i] = low + ((high - low) * (float)((Next(ref state) >> 40) / (double)(1UL << 24)));
        }

        return values;
    }

    public static byte[] Labels(int count, int classes, ulong seed)
    {
        var labels = new byte[count];
        ulong state = seed;
        for (int i = 0; i < count; i++)
        {
            labels[i] = (byte)(Next(ref state) % (ulong)classes);
        }

        return labels;
    }

    /// <summary>
    /// The paper's initialisation with biases drawn across the dead zone (|b| up to 2 in scaled units), so the
    /// bias flush, the bias add and both dead zones all change some outputs.
    /// </summary>
    public static NetworkParameters Network(NetworkArchitecture net, ulong seed)
    {
        NetworkParameters parameters = NetworkParameters.Initialize(net, seed);
        for (int layer = 0; layer < net.LayerCount; layer++)
        {
            Uniform(net.Widths[layer + 1], seed + 100 + (ulong)layer, -2f, 2f).CopyTo(parameters.Bias(layer));
        }

        return parameters;
    }

    /// <summary>P perturbations of σ·(wide-range noise), back to back.</summary>
    public static float[] Perturbations(NetworkArchitecture net, int population, ulong seed, float sigma) =>
        WideRange(net.ParameterCount * population, seed, sigma);

    public static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
