namespace CpuLinear.Cluster;

/// <summary>What one generation cost the cluster.</summary>
/// <param name="Generation">The generation.</param>
/// <param name="WallSeconds">The coordinator's time from dispatch to the last accepted reply.</param>
/// <param name="WaitSeconds">
/// Coordination latency: <paramref name="WallSeconds"/> less the slowest silo's own compute time (messages, queueing,
/// scheduling, reassignment).
/// </param>
/// <param name="BytesSent">Serialized bytes of the orders (and replicas) the coordinator sent.</param>
/// <param name="BytesReceived">Serialized bytes of the replies.</param>
/// <param name="SyncBytes">Bytes of those sent that were replicas (<see cref="ReplicaSync"/>) for joining or lagging silos.</param>
/// <param name="Reassigned">Pairs evaluated again on another silo after a failure, a stall or a rejected reply.</param>
/// <param name="Rejected">Replies rejected (bad MAC, wrong run, generation or length, NaN).</param>
/// <param name="Silos">Each silo that took part.</param>
public sealed record ClusterGenerationReport(
    long Generation, double WallSeconds, double WaitSeconds, long BytesSent, long BytesReceived, long SyncBytes, int Reassigned, int Rejected,
    IReadOnlyList<SiloGenerationReport> Silos);
