namespace CpuLinear.Cluster;

/// <summary>The silo's worker: hands orders to the silo's replica, off Orleans' scheduler threads.</summary>
[SiloPlacement]
internal sealed class EvolutionWorkerGrain(SiloReplica replica) : Grain, IEvolutionWorkerGrain
{
    public Task<WorkerDescription> Describe() => Task.FromResult(replica.Describe());

    public Task<string?> Sync(ReplicaSync sync) => Task.Run(() => replica.Sync(sync));

    public Task<WorkReply> Evaluate(WorkOrder order) => Task.Run(() => replica.Evaluate(order));
}
