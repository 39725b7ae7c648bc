namespace CpuLinear.Benchmarks;

/// <summary>The GEMM shapes evolution strategies runs: a batch of M rows through each layer of 784-512-512-10.</summary>
public static class GemmShapes
{
    public static readonly int[] Rows = [256, 1024, 4096];

    public static readonly (int K, int N)[] Layers = [(784, 512), (512, 512), (512, 10)];

    /// <summary>Deterministic inputs in [-1, 1) (a fixed LCG, so every run and every library sees the same data).</summary>
    public static float[] Fill(int count, uint seed, float scale = 1f)
    {
        var values = new float[count];
        uint state = seed;
        for (int i = 0; i < values.Length; i++)
        {
            state = (state * 1664525u) + 1013904223u;
            values[i] = ((state >> 8) * (1f / (1 << 23)) - 1f) * scale;
        }

        return values;
    }
}
