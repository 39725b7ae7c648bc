namespace CpuLinear.Experiments;

/// <summary>How a sweep cell's network is trained: backprop with one of its three gradients, or ES.</summary>
public enum SweepTrainer
{
    /// <summary>Backprop with the straight-through gradient (the blog's: each flush differentiated as the identity).</summary>
    StraightThrough,

    /// <summary>Backprop of the exact linear map (no flush anywhere), then run under the flush.</summary>
    PureLinear,

    /// <summary>Backprop with the true derivative of each dead zone (zero where a value was flushed).</summary>
    FtzAware,

    /// <summary>OpenAI-ES from a random start, every member run as the fused dead-zone network.</summary>
    Evolution,
}
