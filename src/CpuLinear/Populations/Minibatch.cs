using CommunityToolkit.HighPerformance;

namespace CpuLinear.Populations;

/// <summary>A generation's minibatch: rows of features and their labels, owned by whoever gathered them.</summary>
public sealed class Minibatch
{
    private float[] _inputs = [];
    private byte[] _labels = [];

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Features per row.</summary>
    public int Features { get; private set; }

    /// <summary>The rows (Rows x Features).</summary>
    public ReadOnlySpan2D<float> Inputs => new(_inputs, 0, Rows, Features, 0);

    /// <summary>The labels (Rows).</summary>
    public ReadOnlySpan<byte> Labels => _labels.AsSpan(0, Rows);

    /// <summary>Makes room for <paramref name="rows"/> rows of <paramref name="features"/> and gives the buffers to fill.</summary>
    internal void Reset(int rows, int features, out Span<float> inputs, out Span<byte> labels)
    {
        if (_inputs.Length < rows * features)
        {
            _inputs = GC.AllocateUninitializedArray<float>(rows * features);
        }

        if (_labels.Length < rows)
        {
            _labels = new byte[rows];
        }

        Rows = rows;
        Features = features;
        inputs = _inputs.AsSpan(0, rows * features);
        labels = _labels.AsSpan(0, rows);
    }
}
