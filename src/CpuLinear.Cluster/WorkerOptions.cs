using CpuLinear.Data;

namespace CpuLinear.Cluster;

/// <summary>How a silo's ES worker runs.</summary>
public sealed class WorkerOptions
{
    /// <summary>Threads and kernel path of the silo's CPU engine.</summary>
    public EngineSettings Engine { get; init; } = EngineSettings.Default;

    /// <summary>The weight of the silo's share of each generation; 0: the engine's thread count.</summary>
    public int Cores { get; init; }

    /// <summary>The cluster's shared secret (see <see cref="MessageAuthenticator"/>).</summary>
    public string Secret { get; init; } = "";

    /// <summary>Loads a run's training data by name; null: <c>Datasets.Load(name)</c> from the default data folder.</summary>
    public Func<string, LabeledImages>? LoadTrainingData { get; init; }

    /// <summary>Where rejected messages and replica changes are logged; null: nowhere.</summary>
    public TextWriter? Log { get; init; }
}
