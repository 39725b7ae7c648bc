using CpuLinear.Networks;

namespace CpuLinear.Training;

/// <summary>
/// Holds each hidden layer's weight scale at its initial value: after an ES update, the weights of every layer
/// but the last are multiplied by one factor per layer so that their RMS is √(2/fan_in) again (the
/// initialisation's standard deviation). <see cref="Evolution.EvolutionSettings.FixedWeightRms"/> turns it on.
/// </summary>
/// <remarks>
/// Why: the dead zone sits at a fixed edge (|v| &lt; ½ in scaled units), so what a unit computes depends on the
/// weights' absolute scale. Under ES with weight decay the hidden weights shrink (to half their initial RMS
/// over a full run from a random start), pushing most pre-activations into the dead zone and silencing units
/// for good; without decay they grow and the network drifts towards its linear regime. Rescaling keeps the
/// layers where the flush acts while leaving the direction of every layer's weights to ES. The network and its
/// float32 program are unchanged; only the search is constrained. The last layer is left free: its scale sets
/// the logits' confidence.
/// </remarks>
public static class WeightRmsProjection
{
    /// <summary>Rescales the weights of layers 0 … L−2 of <paramref name="parameters"/> in place (biases untouched).</summary>
    /// <remarks>
    /// Bits: the RMS (<see cref="NetworkParameters.WeightRms"/>) is computed in double and the factor rounded to
    /// float once, so the result depends on nothing but the values. A layer whose weights are all zero is left as it is.
    /// </remarks>
    public static void Apply(NetworkParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        NetworkArchitecture net = parameters.Architecture;
        for (int layer = 0; layer < net.LayerCount - 1; layer++)
        {
            if (Factor(net.Widths[layer], parameters.WeightRms(layer)) is not { } factor)
            {
                continue;
            }

            Span<float> weights = parameters.Weights(layer);
            for (int i = 0; i < weights.Length; i++)
            {
                weights[i] *= factor;
            }
        }
    }

    /// <summary>
    /// The factor a layer's weights are multiplied by: √(2/fan_in) / rms rounded to float once, or null for a layer
    /// whose weights are all zero (left as it is). <paramref name="rms"/> is <see cref="NetworkParameters.WeightRms"/>.
    /// </summary>
    public static float? Factor(int fanIn, double rms) => rms == 0 ? null : (float)(TargetRms(fanIn) / rms);

    /// <summary>The RMS a layer with <paramref name="fanIn"/> inputs is held at: the initialisation's √(2/fan_in).</summary>
    public static double TargetRms(int fanIn) => Math.Sqrt(2.0 / fanIn);
}
