namespace CpuLinear.Data;

/// <summary>
/// No source of a dataset worked. The message says what was tried and lists every way to obtain the data.
/// </summary>
public sealed class DatasetUnavailableException : Exception
{
    /// <summary>Creates the exception; <paramref name="howToGet"/> lines are appended as a list.</summary>
    public DatasetUnavailableException(string name, string whatFailed, IEnumerable<string> howToGet, Exception? inner = null)
        : base($"Dataset '{name}' is not available: {whatFailed}{Environment.NewLine}Ways to get it:{Environment.NewLine}" +
               string.Join(Environment.NewLine, howToGet.Select(h => "  - " + h)), inner)
    {
        DatasetName = name;
    }

    /// <summary>The dataset asked for.</summary>
    public string DatasetName { get; }
}
