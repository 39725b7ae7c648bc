namespace CpuLinear.Cluster;

/// <summary>
/// One silo's ES worker; its key is the silo's address (<c>SiloAddress.ToParsableString()</c>) and it is always
/// placed on that silo (<see cref="SiloPlacementAttribute"/>).
/// </summary>
public interface IEvolutionWorkerGrain : IGrainWithStringKey
{
    /// <summary>The silo's weight and name.</summary>
    Task<WorkerDescription> Describe();

    /// <summary>Replaces the silo's replica with the run's state.</summary>
    /// <returns>Null when accepted, else why it was refused.</returns>
    Task<string?> Sync(ReplicaSync sync);

    /// <summary>Applies the previous generation's update if needed, checks θ's hash and evaluates the order's range.</summary>
    Task<WorkReply> Evaluate(WorkOrder order);
}
