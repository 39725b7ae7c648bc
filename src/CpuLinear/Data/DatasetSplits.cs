namespace CpuLinear.Data;

/// <summary>The train and test splits of one dataset. Disposing returns both pixel buffers to the pool.</summary>
/// <param name="Name">Catalogue name, e.g. "mnist" or "parity4".</param>
/// <param name="Train">Training split.</param>
/// <param name="Test">Held-out split.</param>
public sealed record DatasetSplits(string Name, LabeledImages Train, LabeledImages Test) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
