using CpuLinear.Data;
using CpuLinear.Evolution;
using CpuLinear.Networks;
using CpuLinear.Training;

namespace CpuLinear.Tests.Evolution;

internal static class EvolutionTestData
{
    public static string Hex(ReadOnlySpan<float> values)
    {
        var text = new System.Text.StringBuilder(values.Length * 8);
        foreach (float v in values)
        {
            text.Append(BitConverter.SingleToUInt32Bits(v).ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>Runs <paramref name="generations"/> generations from the seed's initialisation and returns the trainer.</summary>
    public static EvolutionTrainer Run(NetworkArchitecture net, EvolutionSettings settings, LabeledImages data, int generations, int threads)
    {
        var trainer = new EvolutionTrainer(NetworkParameters.Initialize(net, settings.Seed), settings, new EngineSettings { MaxThreads = threads });
        for (int g = 0; g < generations; g++)
        {
            trainer.Step(data);
        }

        return trainer;
    }
}
