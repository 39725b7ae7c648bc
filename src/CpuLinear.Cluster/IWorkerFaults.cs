namespace CpuLinear.Cluster;

/// <summary>
/// Faults a test injects into a silo (a stall, a NaN, a perturbed θ); production silos register none.
/// </summary>
internal interface IWorkerFaults
{
    /// <summary>Called after the silo evaluated an order, before it replies; may change the fitnesses or θ, or block.</summary>
    void AfterEvaluate(WorkOrder order, double[] fitness, float[] theta);
}
