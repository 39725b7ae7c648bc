namespace CpuLinear.Cluster;

/// <summary>A silo's θ no longer has the coordinator's bits: the run stops rather than diverge silently.</summary>
public sealed class ClusterDivergenceException : Exception
{
    /// <summary>An exception with no message.</summary>
    public ClusterDivergenceException()
    {
    }

    /// <summary>An exception with <paramref name="message"/>.</summary>
    public ClusterDivergenceException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with <paramref name="message"/> and its cause.</summary>
    public ClusterDivergenceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
