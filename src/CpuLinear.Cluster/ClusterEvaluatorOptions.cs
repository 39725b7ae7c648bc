namespace CpuLinear.Cluster;

/// <summary>How the coordinator's <see cref="ClusterPopulationEvaluator"/> drives its silos.</summary>
public sealed class ClusterEvaluatorOptions
{
    /// <summary>Names the run; a silo's replica of another run refuses its orders (and the coordinator their replies).</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>The training data's name, as <c>Datasets.Load</c> takes it; every silo loads its own copy.</summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>The cluster's shared secret (see <see cref="MessageAuthenticator"/>).</summary>
    public string Secret { get; init; } = "";

    /// <summary>
    /// The shortest time a silo has to answer an order; the deadline is this plus <see cref="DeadlineFactor"/> times
    /// the slowest silo's time in the previous generation. A silo past it is stalled: its range is reassigned.
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>See <see cref="Deadline"/>.</summary>
    public double DeadlineFactor { get; init; } = 4;

    /// <summary>The time a silo has to take a replica (<see cref="ReplicaSync"/>: the run's whole state).</summary>
    public TimeSpan SyncDeadline { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Threads and kernel path of the coordinator's own work (scoring θ for the progress report).</summary>
    public EngineSettings Engine { get; init; } = EngineSettings.Default;

    /// <summary>Where rejected replies, failed silos and reassignments are logged; null: nowhere.</summary>
    public TextWriter? Log { get; init; }
}
