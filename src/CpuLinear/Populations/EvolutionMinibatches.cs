using CpuLinear.Data;
using CpuLinear.Randomness;

namespace CpuLinear.Populations;

/// <summary>
/// The minibatch of each ES generation, a pure function of (seed, g): generation g reads rows
/// [slot·B, slot·B + B) of the seed's permutation for epoch g / (N / B), so every example is seen once per epoch
/// and any process holding the data and the seed gathers the same batch.
/// </summary>
public sealed class EvolutionMinibatches
{
    private readonly int _batchSize;
    private readonly ulong _seed;
    private int[] _permutation = [];
    private long _permutationEpoch = -1;
    private int _permutationCount = -1;

    /// <summary>Batches of <paramref name="batchSize"/> rows (fewer when the data has fewer) for the run with <paramref name="seed"/>.</summary>
    public EvolutionMinibatches(int batchSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _batchSize = batchSize;
        _seed = seed;
    }

    /// <summary>Gathers generation <paramref name="generation"/>'s batch of <paramref name="data"/> into <paramref name="batch"/>.</summary>
    public void Gather(LabeledImages data, long generation, Minibatch batch)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batch);
        ReadOnlySpan<int> rows = Rows(data.Count, generation);
        batch.Reset(rows.Length, data.Features, out Span<float> inputs, out Span<byte> labels);
        for (int r = 0; r < rows.Length; r++)
        {
            int index = rows[r];
            data.GetRow(index).CopyTo(inputs.Slice(r * data.Features, data.Features));
            labels[r] = data.Labels[index];
        }
    }

    /// <summary>
    /// Which rows of a dataset of <paramref name="count"/> examples generation <paramref name="generation"/>'s batch
    /// holds, in batch order (what <see cref="Gather"/> copies; a device that holds the data gathers from these).
    /// The span is valid until the next call.
    /// </summary>
    public ReadOnlySpan<int> Rows(int count, long generation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        int rows = Math.Min(_batchSize, count);
        int perEpoch = count / rows;
        long epoch = generation / perEpoch;
        int slot = (int)(generation % perEpoch);
        if (epoch != _permutationEpoch || count != _permutationCount)
        {
            _permutation = MinibatchOrder.Permutation(count, _seed ^ 0xE5_BA7C, (int)epoch);
            _permutationEpoch = epoch;
            _permutationCount = count;
        }

        return _permutation.AsSpan(slot * rows, rows);
    }
}
