using CommunityToolkit.HighPerformance;

namespace CpuLinear.Networks;

/// <summary>Runs a network forward: a batch of input rows in, a batch of logit rows out.</summary>
/// <remarks>An executor keeps scratch buffers between calls; use one per thread.</remarks>
public interface IForwardExecutor
{
    /// <summary>The float rules this executor computes under.</summary>
    FloatSemantics Semantics { get; }

    /// <summary>Writes the logits of <paramref name="inputs"/> (batch x inputs) into <paramref name="logits"/> (batch x classes).</summary>
    void Forward(NetworkParameters parameters, ReadOnlySpan2D<float> inputs, Span2D<float> logits);
}
