namespace CpuLinear.Cluster.Tests;

/// <summary>One silo's injected fault: at <see cref="Generation"/> it runs its fault once.</summary>
internal sealed class SiloFaults(long generation, Action<WorkOrder, double[], float[]> fault) : IWorkerFaults
{
    private int _fired;

    public long Generation { get; } = generation;

    public bool Fired => Volatile.Read(ref _fired) == 1;

    public void AfterEvaluate(WorkOrder order, double[] fitness, float[] theta)
    {
        if (order.Generation == Generation && Interlocked.Exchange(ref _fired, 1) == 0)
        {
            fault(order, fitness, theta);
        }
    }
}
