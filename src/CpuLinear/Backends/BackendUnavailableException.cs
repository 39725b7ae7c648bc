namespace CpuLinear.Backends;

/// <summary>
/// The requested backend cannot run on this machine (for example <c>--backend gpu</c> without a CUDA
/// device). A <see cref="NotSupportedException"/>, so the command line reports it as one line.
/// </summary>
public sealed class BackendUnavailableException : NotSupportedException
{
    /// <summary>Creates the exception with a message that says what is missing and what to use instead.</summary>
    public BackendUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the underlying failure.</summary>
    public BackendUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public BackendUnavailableException()
        : base("The requested compute backend is unavailable on this machine.")
    {
    }
}
