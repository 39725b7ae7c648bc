namespace CpuLinear.Cluster.Tests;

/// <summary>
/// Hands one <see cref="SiloFaults"/> to exactly one silo of a test cluster. The cluster may configure its silos on
/// several threads at once, so the choice is one atomic exchange, not a check-then-set that two silos can both pass.
/// </summary>
internal sealed class OneFaultySilo(SiloFaults faults)
{
    private int _given;

    /// <summary>The injected faults (whether they fired).</summary>
    public SiloFaults Faults { get; } = faults;

    /// <summary>The faults factory for <see cref="ClusterRuns.StartAsync"/>.</summary>
    public IWorkerFaults? For(string silo) => Interlocked.Exchange(ref _given, 1) == 0 ? Faults : null;
}
