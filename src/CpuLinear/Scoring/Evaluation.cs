using CommunityToolkit.HighPerformance;
using CpuLinear.Data;
using CpuLinear.Networks;

namespace CpuLinear.Scoring;

/// <summary>
/// Accuracy and loss of a network on a split, under whatever float rules <see cref="IForwardExecutor"/>
/// implements: the fused dead-zone executor for <see cref="FloatSemantics.FtzElementwise"/>, the literal
/// float32 program for the reference figures.
/// </summary>
public static class Evaluation
{
    /// <summary>Rows per forward call: large enough to keep the GEMMs efficient, small enough to stay in cache-sized buffers.</summary>
    public const int ChunkRows = 1000;

    /// <summary>Runs <paramref name="executor"/> over <paramref name="data"/> in chunks; loss summed in row order.</summary>
    public static EvaluationResult Run(IForwardExecutor executor, NetworkParameters parameters, LabeledImages data, int? limit = null)
    {
        ArgumentNullException.ThrowIfNull(executor);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(data);
        int count = Math.Min(limit ?? data.Count, data.Count);
        int classes = parameters.Architecture.Outputs;
        var logits = new float[Math.Min(ChunkRows, Math.Max(count, 1)) * classes];
        double loss = 0;
        int correct = 0;
        for (int start = 0; start < count; start += ChunkRows)
        {
            int rows = Math.Min(ChunkRows, count - start);
            var output = new Span2D<float>(logits, 0, rows, classes, 0);
            executor.Forward(parameters, data.PixelMatrix.Slice(start, 0, rows, data.Features), output);
            loss += SoftmaxCrossEntropy.Evaluate(output, data.Labels.Slice(start, rows), Span2D<float>.Empty, 0f, out int hits);
            correct += hits;
        }

        return count == 0 ? new EvaluationResult(0, 0, 0) : new EvaluationResult((double)correct / count, loss / count, count);
    }
}
