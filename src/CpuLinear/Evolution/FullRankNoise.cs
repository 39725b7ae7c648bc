using CpuLinear.Kernels;
using CpuLinear.Parallelism;
using CpuLinear.Randomness;

namespace CpuLinear.Evolution;

/// <summary>
/// Full-rank members, as OpenAI-ES drew them: a table of standard normals generated once from the seed, and
/// pair j of generation g reading its εⱼ at an offset that is a pure function of (seed, g, j). Works for any
/// parameter vector, not only a network's.
/// </summary>
public sealed class FullRankNoise : PopulationNoise
{
    private const int ChunkLength = 1 << 14;
    private readonly float[] _table;
    private readonly int[] _offsets;

    /// <summary>Builds the table (at least 2^20 and 8 times <paramref name="parameterCount"/> floats) on the engine's threads.</summary>
    public FullRankNoise(int parameterCount, int pairs, ulong seed, EngineSettings? engine = null)
        : base(MemberKind.FullRank, parameterCount, pairs, seed)
    {
        int length = TableLength(parameterCount);
        _table = GC.AllocateUninitializedArray<float>(length);
        EngineParallel.For((length + ChunkLength - 1) / ChunkLength, (engine ?? EngineSettings.Default).MaxThreads, new TableFill(_table, seed));
        _offsets = new int[pairs];
    }

    /// <summary>Pair <paramref name="pair"/>'s direction εⱼ in the drawn generation (<see cref="PopulationNoise.ParameterCount"/> floats).</summary>
    public ReadOnlySpan<float> Direction(int pair) => _table.AsSpan(_offsets[pair], ParameterCount);

    /// <summary>
    /// Writes member <c>θ + scale·εⱼ</c> into <paramref name="values"/>: <c>values[i] = fma(εⱼ[i], scale, θ[i])</c>.
    /// </summary>
    /// <param name="centre">θ.</param>
    /// <param name="pair">j.</param>
    /// <param name="scale">+σ or −σ.</param>
    /// <param name="values">Receives the member; may not overlap θ.</param>
    public void WriteMember(ReadOnlySpan<float> centre, int pair, float scale, Span<float> values)
    {
        centre.CopyTo(values);
        FusedMultiplyAdd.Accumulate(values, Direction(pair), scale);
    }

    /// <summary>Length of the noise table for <paramref name="parameterCount"/> parameters.</summary>
    internal static int TableLength(int parameterCount) => Math.Max(1 << 20, 8 * parameterCount);

    /// <inheritdoc />
    protected override void DrawCore(long generation, EngineSettings engine)
    {
        ulong span = (ulong)(_table.Length - ParameterCount + 1);
        for (int j = 0; j < Pairs; j++)
        {
            var (x0, x1, _, _) = Philox4x32.Block(Seed, CounterRandom.StreamOf(0xE5_0FF5, (ulong)generation), (ulong)j);
            _offsets[j] = (int)((((ulong)x1 << 32) | x0) % span);
        }
    }

    /// <inheritdoc />
    protected override void CombineCore(ReadOnlySpan<float> weights, Span<float> gradient, EngineSettings engine)
    {
        float[] w = weights.ToArray();
        float[] g = new float[gradient.Length];
        EngineParallel.For((g.Length + ChunkLength - 1) / ChunkLength, engine.MaxThreads, new Chunk(this, w, g));
        g.CopyTo(gradient);
    }

    // Elements [chunk·L, chunk·L + L): Σⱼ wⱼ·εⱼ as one FMA chain per element over j in increasing order.
    private void CombineChunk(int chunk, float[] weights, float[] gradient)
    {
        int start = chunk * ChunkLength;
        int length = Math.Min(ChunkLength, gradient.Length - start);
        Span<float> g = gradient.AsSpan(start, length);
        g.Clear();
        for (int j = 0; j < Pairs; j++)
        {
            FusedMultiplyAdd.Accumulate(g, _table.AsSpan(_offsets[j] + start, length), weights[j]);
        }
    }

    private readonly struct Chunk(FullRankNoise noise, float[] weights, float[] gradient) : IWorkItems
    {
        public void Run(int index) => noise.CombineChunk(index, weights, gradient);
    }

    private readonly struct TableFill(float[] table, ulong seed) : IWorkItems
    {
        public void Run(int index)
        {
            int start = index * ChunkLength;
            int length = Math.Min(ChunkLength, table.Length - start);
            new CounterRandom(seed, CounterRandom.StreamOf(0xE5_7AB1E)).FillNormal(table.AsSpan(start, length), 1f, start);
        }
    }
}
