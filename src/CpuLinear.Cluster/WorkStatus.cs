namespace CpuLinear.Cluster;

/// <summary>What a silo did with a <see cref="WorkOrder"/>.</summary>
public enum WorkStatus
{
    /// <summary>The range was evaluated: the reply carries its fitnesses.</summary>
    Done,

    /// <summary>The silo holds no replica of this run at this generation: send it the run's state (<see cref="ReplicaSync"/>), then the order again.</summary>
    NeedsState,

    /// <summary>The silo's θ does not hash to the coordinator's: the replicas diverged and the run must stop.</summary>
    Diverged,

    /// <summary>The order failed its authentication or its checks; the reply's message says why.</summary>
    Rejected,
}
