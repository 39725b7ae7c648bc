using CommunityToolkit.HighPerformance;
using CpuLinear.Networks;
using CpuLinear.Randomness;

namespace CpuLinear.Tests.Training;

/// <summary>Small seeded networks and batches for the trainer tests.</summary>
internal static class TrainingTestNetworks
{
    /// <summary>
    /// A tiny network whose biases straddle the dead zone (|b| from 0 to 1.5 around T = 0.5), so some biases
    /// are flushed and some survive.
    /// </summary>
    public static NetworkParameters Tiny(NetworkArchitecture net, ulong seed)
    {
        var parameters = NetworkParameters.Initialize(net, seed);
        for (int l = 0; l < net.LayerCount; l++)
        {
            Span<float> bias = parameters.Bias(l);
            new CounterRandom(seed, 77 + (ulong)l).FillUniform(bias);
            for (int j = 0; j < bias.Length; j++)
            {
                bias[j] = (bias[j] * 3f) - 1.5f;
            }
        }

        return parameters;
    }

    /// <summary>Inputs uniform in [0, 1) and labels cycling through the classes.</summary>
    public static (float[] Inputs, byte[] Labels) Batch(NetworkArchitecture net, int rows, ulong seed)
    {
        var inputs = new float[rows * net.Inputs];
        new CounterRandom(seed, 991).FillUniform(inputs);
        var labels = new byte[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = (byte)((r * 7 + 3) % net.Outputs);
        }

        return (inputs, labels);
    }

    public static ReadOnlySpan2D<float> Matrix(float[] values, int columns) => new(values, values.Length / columns, columns);
}
