namespace CpuLinear.Data;

/// <summary>Obtaining a dataset failed (npm missing or failing, a tarball without the expected files).</summary>
public sealed class DataFetchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataFetchException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
