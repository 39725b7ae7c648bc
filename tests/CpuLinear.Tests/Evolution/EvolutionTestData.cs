using CpuLinear.Checkpoints;
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

    /// <summary>
    /// Runs <paramref name="before"/> generations on <paramref name="threads"/> threads, writes the checkpoint to a
    /// temporary file, resumes it on <paramref name="resumeThreads"/> threads and runs <paramref name="after"/> more;
    /// returns the resumed trainer (the file is deleted).
    /// </summary>
    public static EvolutionTrainer ResumedThroughFile(NetworkArchitecture net, EvolutionSettings settings, LabeledImages data, int before, int after, int threads = 2, int resumeThreads = 2)
    {
        EvolutionTrainer first = Run(net, settings, data, before, threads);
        string path = Path.Combine(Path.GetTempPath(), $"cpulinear-es-resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsCheckpoint.Write(path, EvolutionCheckpoint.Capture(first));
            EvolutionTrainer resumed = EvolutionCheckpoint.Resume(SafetensorsCheckpoint.Read(path), new EngineSettings { MaxThreads = resumeThreads });
            for (int g = 0; g < after; g++)
            {
                resumed.Step(data);
            }

            return resumed;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
