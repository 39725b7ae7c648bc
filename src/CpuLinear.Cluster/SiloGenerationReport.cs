namespace CpuLinear.Cluster;

/// <summary>What one silo did in one generation.</summary>
/// <param name="Silo">The silo's address.</param>
/// <param name="Machine">The silo's machine name.</param>
/// <param name="Cores">The silo's weight.</param>
/// <param name="Pairs">Pairs it evaluated (reassigned ones included).</param>
/// <param name="ComputeSeconds">Seconds it reported for its orders.</param>
public sealed record SiloGenerationReport(string Silo, string Machine, int Cores, int Pairs, double ComputeSeconds)
{
    /// <summary>Members per second of the silo's compute time.</summary>
    public double MembersPerSecond => ComputeSeconds > 0 ? 2 * Pairs / ComputeSeconds : 0;
}
