using CommunityToolkit.HighPerformance;

namespace CpuLinear.Networks;

/// <summary>Shape checks shared by every executor, with messages that name both shapes.</summary>
internal static class ForwardShapes
{
    public static void Validate(NetworkArchitecture net, ReadOnlySpan2D<float> inputs, Span2D<float> logits)
    {
        if (inputs.Width != net.Inputs)
        {
            throw new ArgumentException($"The network {net} takes {net.Inputs} inputs per row; the batch has {inputs.Width}.", nameof(inputs));
        }

        if (logits.Height != inputs.Height || logits.Width != net.Outputs)
        {
            throw new ArgumentException($"Logits must be {inputs.Height}x{net.Outputs}; got {logits.Height}x{logits.Width}.", nameof(logits));
        }
    }
}
